/**
 * AdamW against an independent double-precision re-implementation of torch.optim.AdamW's
 * documented algorithm (amsgrad off, maximize off):
 *   p ← p − lr·λ·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   m̂ = m / (1−β1ᵗ);  v̂ = v / (1−β2ᵗ);  p ← p − lr·m̂ / (√v̂ + ε)
 * with no decay (λ = 0) on the 0-D and 1-D parameters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BugError } from '../../../../src/shared/errors';
import { tf, type Tensor, type Variable } from '../../../../src/main/engine/tf';
import { AdamW, decays, type AdamWParameter, type AdamWSettings } from '../../../../src/main/engine/train/adamw';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

const SETTINGS: AdamWSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };
const LEARNING_RATES = [1e-2, 5e-3, 2e-2, 1e-3, 3e-2];

interface Spec {
  name: string;
  shape: number[];
  initial: number[];
}

/** A 2-D weight (decays), a 1-D bias and a 0-D temperature (neither decays). */
const SPECS: Spec[] = [
  { name: 'weight', shape: [2, 3], initial: [0.5, -1.2, 0.8, 1.5, -0.3, 2.0] },
  { name: 'bias', shape: [3], initial: [0.25, -0.75, 1.1] },
  { name: 'temperature', shape: [], initial: [1.3] },
];

/** A deterministic gradient for a parameter at a step: varied signs and magnitudes (0.05 … 1). */
function gradientValues(spec: Spec, step: number, salt = 0): number[] {
  return spec.initial.map((_, i) => {
    const x = Math.sin(1.7 * (i + 1) + 2.3 * (step + 1) + 0.9 * spec.name.length + salt);
    return Math.sign(x || 1) * (0.05 + 0.95 * Math.abs(x));
  });
}

function float32(values: readonly number[]): number[] {
  return Array.from(Float32Array.from(values));
}

/** torch.optim.AdamW's documented step, in float64, one parameter at a time. */
class ReferenceAdamW {
  private t = 0;
  private readonly m = new Map<string, number[]>();
  private readonly v = new Map<string, number[]>();
  readonly params = new Map<string, number[]>();

  constructor(
    specs: readonly Spec[],
    private readonly settings: AdamWSettings,
    private readonly decayed: ReadonlySet<string>,
  ) {
    for (const spec of specs) {
      // The optimizer under test starts from the float32 values.
      this.params.set(spec.name, float32(spec.initial));
      this.m.set(
        spec.name,
        spec.initial.map(() => 0),
      );
      this.v.set(
        spec.name,
        spec.initial.map(() => 0),
      );
    }
  }

  step(gradients: ReadonlyMap<string, readonly number[]>, lr: number): void {
    this.t += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.settings;
    for (const [name, p] of this.params) {
      const g = gradients.get(name)!;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const lambda = this.decayed.has(name) ? weightDecay : 0;
      for (let i = 0; i < p.length; i += 1) {
        p[i] = p[i]! * (1 - lr * lambda);
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
        const mHat = m[i]! / (1 - beta1 ** this.t);
        const vHat = v[i]! / (1 - beta2 ** this.t);
        p[i] = p[i]! - (lr * mHat) / (Math.sqrt(vHat) + epsilon);
      }
    }
  }
}

const live: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const item of live.splice(0)) item.dispose();
});

/** A variable holding `values` (tidy frees the initial tensor; the variable keeps the data). */
function variableOf(values: ArrayLike<number>, shape: number[]): Variable {
  return tf.tidy(() => tf.variable(tf.tensor(Array.from(values), shape, 'float32')));
}

function makeParameters(specs: readonly Spec[] = SPECS, values?: ReadonlyMap<string, Float32Array>): AdamWParameter[] {
  return specs.map((spec) => {
    const variable = variableOf(values?.get(spec.name) ?? spec.initial, spec.shape);
    live.push(variable);
    return { name: spec.name, variable, decay: decays(variable) };
  });
}

function gradientsAt(step: number, specs: readonly Spec[] = SPECS): Map<string, Tensor> {
  return new Map(specs.map((spec) => [spec.name, tf.tensor(gradientValues(spec, step), spec.shape, 'float32')]));
}

function applyStep(optimizer: AdamW, step: number, lr: number, specs: readonly Spec[] = SPECS): void {
  const gradients = gradientsAt(step, specs);
  try {
    optimizer.apply(gradients, lr);
  } finally {
    tf.dispose([...gradients.values()]);
  }
}

function valuesOf(parameters: readonly AdamWParameter[]): Map<string, Float32Array> {
  return new Map(parameters.map(({ name, variable }) => [name, Float32Array.from(variable.dataSync())]));
}

function bytesOf(parameters: readonly AdamWParameter[]): Map<string, Buffer> {
  return new Map([...valuesOf(parameters)].map(([name, values]) => [name, Buffer.from(values.buffer)]));
}

describe('decays', () => {
  it('decays matrices and convolution kernels, never vectors or scalars', () => {
    const cases: Array<[number[], boolean]> = [
      [[], false],
      [[4], false],
      [[2, 3], true],
      [[4, 2, 3, 3, 3], true],
    ];
    for (const [shape, expected] of cases) {
      const variable: Variable = tf.tidy(() => tf.variable(tf.zeros(shape)));
      live.push(variable);
      expect(decays(variable), `[${shape.join(', ')}]`).toBe(expected);
    }
  });
});

describe('AdamW', () => {
  it('matches torch.optim.AdamW step for step, decaying only the 2-D weight', () => {
    const parameters = makeParameters();
    expect(parameters.map((p) => p.decay)).toEqual([true, false, false]);
    const optimizer = new AdamW(parameters, SETTINGS);
    live.push(optimizer);
    const reference = new ReferenceAdamW(SPECS, SETTINGS, new Set(['weight']));

    LEARNING_RATES.forEach((lr, step) => {
      applyStep(optimizer, step, lr);
      reference.step(new Map(SPECS.map((spec) => [spec.name, float32(gradientValues(spec, step))])), lr);
      expect(optimizer.step).toBe(step + 1);
      const actual = valuesOf(parameters);
      for (const spec of SPECS) {
        const got = actual.get(spec.name)!;
        const want = reference.params.get(spec.name)!;
        for (let i = 0; i < want.length; i += 1) {
          expect(Math.abs(got[i]! - want[i]!), `${spec.name}[${i}] after step ${step + 1}`).toBeLessThan(1e-6);
        }
      }
    });

    // The weight decay is visible: a reference that decayed nothing would be far from the weight.
    const undecayed = new ReferenceAdamW(SPECS, SETTINGS, new Set());
    LEARNING_RATES.forEach((lr, step) =>
      undecayed.step(new Map(SPECS.map((spec) => [spec.name, float32(gradientValues(spec, step))])), lr),
    );
    const weight = valuesOf(parameters).get('weight')!;
    const gap = Math.max(...undecayed.params.get('weight')!.map((value, i) => Math.abs(value - weight[i]!)));
    expect(gap).toBeGreaterThan(1e-4);
  });

  it('continues bit for bit after exporting its state and importing it into a fresh optimizer', async () => {
    const uninterrupted = makeParameters();
    const first = new AdamW(uninterrupted, SETTINGS);
    live.push(first);
    for (let step = 0; step < 3; step += 1) applyStep(first, step, LEARNING_RATES[step]!);

    const state = await first.exportState();
    expect(state.step).toBe(3);
    expect([...state.moments.keys()]).toEqual(SPECS.map((spec) => spec.name));
    for (const spec of SPECS) expect(state.moments.get(spec.name)!.shape).toEqual(spec.shape);

    // A "resumed" process: fresh variables holding the saved weights, a fresh optimizer.
    const resumed = makeParameters(SPECS, valuesOf(uninterrupted));
    const second = new AdamW(resumed, SETTINGS);
    live.push(second);
    second.importState(state);
    expect(second.step).toBe(3);

    for (let step = 3; step < LEARNING_RATES.length; step += 1) {
      applyStep(first, step, LEARNING_RATES[step]!);
      applyStep(second, step, LEARNING_RATES[step]!);
    }
    expect(bytesOf(resumed)).toEqual(bytesOf(uninterrupted));
    const [a, b] = [await first.exportState(), await second.exportState()];
    expect(b).toEqual(a);

    // Without the moments, a fresh optimizer does not continue the same way (the test can fail).
    const restarted = makeParameters(SPECS, valuesOf(uninterrupted));
    const third = new AdamW(restarted, SETTINGS);
    live.push(third);
    const before = bytesOf(restarted);
    applyStep(third, 5, 1e-2);
    applyStep(first, 5, 1e-2);
    expect(bytesOf(restarted)).not.toEqual(bytesOf(uninterrupted));
    expect(bytesOf(restarted)).not.toEqual(before);
  });

  it('refuses a state that lacks a parameter or has another shape', async () => {
    const parameters = makeParameters();
    const optimizer = new AdamW(parameters, SETTINGS);
    live.push(optimizer);
    const state = await optimizer.exportState();
    const missing = { ...state, moments: new Map([...state.moments].filter(([name]) => name !== 'bias')) };
    expect(() => optimizer.importState(missing)).toThrow(BugError);
    expect(() => optimizer.importState(missing)).toThrow(/bias/);
    const reshaped = new Map(state.moments);
    reshaped.set('weight', { ...reshaped.get('weight')!, shape: [3, 2] });
    expect(() => optimizer.importState({ ...state, moments: reshaped })).toThrow(/weight \[2, 3\]/);
  });

  it('leaves a parameter without a gradient unchanged (no decay, no momentum)', () => {
    const parameters = makeParameters();
    const optimizer = new AdamW(parameters, SETTINGS);
    live.push(optimizer);
    applyStep(optimizer, 0, 1e-2); // every parameter now has momentum
    const before = bytesOf(parameters);
    const gradients = gradientsAt(1);
    const weightGradient = gradients.get('weight')!;
    gradients.delete('weight');
    try {
      optimizer.apply(gradients, 1e-2);
    } finally {
      tf.dispose([weightGradient, ...gradients.values()]);
    }
    const after = bytesOf(parameters);
    expect(after.get('weight')).toEqual(before.get('weight'));
    expect(after.get('bias')).not.toEqual(before.get('bias'));
    expect(after.get('temperature')).not.toEqual(before.get('temperature'));
  });

  it('leaks no tensor across apply, export, import and dispose', async () => {
    await expectNoTensorLeak(async () => {
      const parameters = SPECS.map((spec) => {
        const variable = variableOf(spec.initial, spec.shape);
        return { name: spec.name, variable, decay: decays(variable) };
      });
      const optimizer = new AdamW(parameters, SETTINGS);
      for (let step = 0; step < 3; step += 1) applyStep(optimizer, step, LEARNING_RATES[step]!);
      const state = await optimizer.exportState();
      const other = new AdamW(parameters, SETTINGS);
      other.importState(state);
      other.importState(state);
      applyStep(other, 3, 1e-3);
      optimizer.dispose();
      other.dispose();
      for (const { variable } of parameters) variable.dispose();
    });
  });
});
