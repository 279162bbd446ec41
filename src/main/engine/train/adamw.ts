/**
 * AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW): decoupled weight decay applied to the
 * weights before the Adam update, bias-corrected moments, and no decay on the parameters the
 * caller marks (norms, biases, the temperature). tfjs has no AdamW and its Adam keeps its moments
 * where a checkpoint cannot reach them; here the step count and both moments can be exported and
 * restored exactly, so a resumed run continues bit for bit.
 */
import { BugError } from '../../../shared/errors';
import { tf, type Tensor, type Variable } from '../tf';

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export interface AdamWParameter {
  name: string;
  variable: Variable;
  /** False for norms, biases and the temperature. */
  decay: boolean;
}

/** The optimizer's state as plain arrays, by parameter name. */
export interface AdamWState {
  step: number;
  moments: Map<string, { m: Float32Array; v: Float32Array; shape: number[] }>;
}

export class AdamW {
  private stepCount = 0;
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();

  constructor(
    private readonly parameters: readonly AdamWParameter[],
    private readonly settings: AdamWSettings,
  ) {
    for (const { name, variable } of parameters) {
      // tidy frees the zeros (a variable keeps its own reference to the data, not the initial tensor).
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      );
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /** One update with `gradients` (by parameter name; a parameter without one is left as it is, moments included) at learning rate `lr`. */
  apply(gradients: ReadonlyMap<string, Tensor>, lr: number): void {
    this.stepCount += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.settings;
    const correction1 = 1 - beta1 ** this.stepCount;
    const correction2 = 1 - beta2 ** this.stepCount;
    for (const { name, variable, decay } of this.parameters) {
      const gradient = gradients.get(name);
      if (!gradient) continue;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        const nextM = tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1));
        const nextV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        const decayed = decay && weightDecay > 0 ? tf.mul(variable, 1 - lr * weightDecay) : variable;
        const denominator = tf.add(tf.sqrt(tf.div(nextV, correction2)), epsilon);
        const update = tf.div(tf.mul(nextM, lr / correction1), denominator);
        m.assign(nextM);
        v.assign(nextV);
        variable.assign(tf.sub(decayed, update));
      });
    }
  }

  async exportState(): Promise<AdamWState> {
    const moments: AdamWState['moments'] = new Map();
    for (const { name, variable } of this.parameters) {
      const m = (await this.m.get(name)!.data()) as Float32Array;
      const v = (await this.v.get(name)!.data()) as Float32Array;
      moments.set(name, { m: Float32Array.from(m), v: Float32Array.from(v), shape: [...variable.shape] });
    }
    return { step: this.stepCount, moments };
  }

  /** Restore an exported state; every parameter must be present with its shape. */
  importState(state: AdamWState): void {
    for (const { name, variable } of this.parameters) {
      const saved = state.moments.get(name);
      const same =
        saved && saved.shape.length === variable.shape.length && saved.shape.every((d, i) => d === variable.shape[i]);
      if (!saved || !same) {
        throw new BugError(`The optimizer state has no moments for ${name} [${variable.shape.join(', ')}].`);
      }
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(saved.m, variable.shape, 'float32'));
        this.v.get(name)!.assign(tf.tensor(saved.v, variable.shape, 'float32'));
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const tensor of [...this.m.values(), ...this.v.values()]) tensor.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** AdamW's decay rule: no decay on 0-D and 1-D parameters (temperature, biases, norm scales and shifts). */
export function decays(variable: Variable): boolean {
  return variable.rank >= 2;
}
