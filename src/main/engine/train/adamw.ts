/**
 * AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW): decoupled weight decay applied to the
 * weights before the Adam update, bias-corrected moments, and no decay on the parameters the
 * caller marks (norms, biases, the temperature). tfjs has no AdamW and its Adam keeps its moments
 * where a checkpoint cannot reach them; here the step count and both moments can be exported and
 * restored exactly, so a resumed run continues bit for bit.
 */
import { BugError } from '../../../shared/errors';
import type { Module } from '../module';
import { tf, type Tensor, type Variable } from '../tf';
import { adamwUpdateOnWebgpu, type AdamWConstants } from './adamw-webgpu';

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
  /** Both moments of each parameter in one flat buffer [m | v] (2n): one dispatch updates both on webgpu. */
  private readonly moments = new Map<string, Variable>();

  constructor(
    private readonly parameters: readonly AdamWParameter[],
    private readonly settings: AdamWSettings,
  ) {
    for (const { name, variable } of parameters) {
      // tidy frees the zeros (a variable keeps its own reference to the data, not the initial tensor).
      this.moments.set(
        name,
        tf.tidy(() => tf.variable(tf.zeros([2 * variable.size]), false)),
      );
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * One update with `gradients` (by parameter name; a parameter without one is left as it is,
   * moments included) at learning rate `lr`, each gradient multiplied by `gradientScale` first
   * (accumulatedGradients' clipping and loss-scaling factor: folded into the update, no extra work).
   */
  apply(gradients: ReadonlyMap<string, Tensor>, lr: number, gradientScale = 1): void {
    this.stepCount += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.settings;
    const onWebgpu = tf.getBackend() === 'webgpu';
    for (const { name, variable, decay } of this.parameters) {
      const gradient = gradients.get(name);
      if (!gradient) continue;
      const moments = this.moments.get(name)!;
      const constants: AdamWConstants = {
        beta1,
        beta2,
        oneMinusBeta1: 1 - beta1,
        oneMinusBeta2: 1 - beta2,
        decayFactor: decay && weightDecay > 0 ? 1 - lr * weightDecay : 1,
        correction2: 1 - beta2 ** this.stepCount,
        stepSize: lr / (1 - beta1 ** this.stepCount),
        epsilon,
        gradientScale,
      };
      tf.tidy(() => {
        const next = onWebgpu
          ? adamwUpdateOnWebgpu(variable, gradient, moments, constants)
          : compositeUpdate(variable, gradient, moments, constants);
        moments.assign(next.moments);
        variable.assign(tf.reshape(next.parameter, variable.shape));
      });
    }
  }

  async exportState(): Promise<AdamWState> {
    const moments: AdamWState['moments'] = new Map();
    for (const { name, variable } of this.parameters) {
      const packed = (await this.moments.get(name)!.data()) as Float32Array;
      moments.set(name, {
        m: packed.slice(0, variable.size),
        v: packed.slice(variable.size),
        shape: [...variable.shape],
      });
    }
    return { step: this.stepCount, moments };
  }

  /** Restore an exported state; every parameter must be present with its shape. */
  importState(state: AdamWState): void {
    for (const { name, variable } of this.parameters) {
      const saved = state.moments.get(name);
      const same =
        saved && saved.shape.length === variable.shape.length && saved.shape.every((d, i) => d === variable.shape[i]);
      if (!saved || !same || saved.m.length !== variable.size || saved.v.length !== variable.size) {
        throw new BugError(`The optimizer state has no moments for ${name} [${variable.shape.join(', ')}].`);
      }
      const packed = new Float32Array(2 * variable.size);
      packed.set(saved.m);
      packed.set(saved.v, variable.size);
      tf.tidy(() => this.moments.get(name)!.assign(tf.tensor1d(packed, 'float32')));
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const tensor of this.moments.values()) tensor.dispose();
    this.moments.clear();
  }
}

/**
 * The update as tfjs ops (cpu, wasm): the arithmetic adamw-webgpu.ts fuses, in the same order. Each
 * stage frees its temporaries, so a large parameter (a 30k-token embedding) costs a few copies of
 * itself at a time, not a dozen.
 */
function compositeUpdate(
  variable: Variable,
  gradient: Tensor,
  moments: Tensor,
  c: AdamWConstants,
): { moments: Tensor; parameter: Tensor } {
  const n = variable.size;
  const g = c.gradientScale === 1 ? tf.reshape(gradient, [n]) : tf.mul(tf.reshape(gradient, [n]), c.gradientScale);
  const nextM = tf.tidy(() => tf.add(tf.mul(tf.slice(moments, 0, n), c.beta1), tf.mul(g, c.oneMinusBeta1)));
  const nextV = tf.tidy(() => tf.add(tf.mul(tf.slice(moments, n, n), c.beta2), tf.mul(tf.square(g), c.oneMinusBeta2)));
  if (c.gradientScale !== 1) g.dispose(); // a scaled copy; a plain reshape shares the gradient's data
  const denominator = tf.tidy(() => tf.add(tf.sqrt(tf.div(nextV, c.correction2)), c.epsilon));
  const update = tf.tidy(() => tf.div(tf.mul(nextM, c.stepSize), denominator));
  const parameter = tf.tidy(() => {
    const flat = tf.reshape(variable, [n]);
    return tf.sub(c.decayFactor !== 1 ? tf.mul(flat, c.decayFactor) : flat, update);
  });
  const packed = tf.concat([nextM, nextV]);
  tf.dispose([nextM, nextV, denominator, update]);
  return { moments: packed, parameter };
}

/**
 * The trainable parameters of `module` as AdamW takes them, by state-dict name; `decay` as
 * AdamW's rule (decays) unless given (false: plain Adam, as the GPU bench compares with PyTorch).
 */
export function adamWParameters(
  module: Pick<Module, 'namedParameters'>,
  decay: (variable: Variable) => boolean = decays,
): AdamWParameter[] {
  return module
    .namedParameters()
    .filter(([, variable]) => variable.trainable)
    .map(([name, variable]) => ({ name, variable, decay: decay(variable) }));
}

/** AdamW's decay rule: no decay on 0-D and 1-D parameters (temperature, biases, norm scales and shifts). */
export function decays(variable: Variable): boolean {
  return variable.rank >= 2;
}
