import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { Linear } from '../../../../src/main/engine/layers/linear';
import { LoraLinear } from '../../../../src/main/engine/lora/lora-linear';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { checkGradient } from '../../../helpers/finite-difference';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const hyper = { rank: 2, alpha: 4, dropout: 0 };

/** A training-like update: A and B moved to seeded random values of a realistic size. */
function randomiseFactors(layer: LoraLinear, seed: number): void {
  for (const [variable, offset] of [
    [layer.loraA.weight, 0],
    [layer.loraB.weight, 1],
  ] as const) {
    const value = tf.randomNormal(variable.shape, 0, 0.3, 'float32', seed + offset);
    variable.assign(value);
    value.dispose();
  }
}

/** A variable that owns its value (tf.variable copies and leaves the initial tensor alive). */
function ownedVariable(initial: Tensor): tf.Variable {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

function values(tensor: Tensor): Float32Array {
  return tensor.dataSync() as Float32Array;
}

function maxAbsDifference(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}

function bits(tensor: Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values(tensor)).buffer));
}

describe('LoraLinear', () => {
  it('uses PEFT member names and shapes, with A in the kaiming bound and B at zero', async () => {
    await expectNoTensorLeak(() => {
      const layer = new LoraLinear(new Linear(6, 5, { seed: 3 }), { ...hyper, seed: 9 });
      expect(layer.namedParameters().map(([name, v]) => [name, v.shape])).toEqual([
        ['base_layer.weight', [5, 6]],
        ['base_layer.bias', [5]],
        ['lora_A.weight', [2, 6]],
        ['lora_B.weight', [5, 2]],
      ]);
      const a = values(layer.loraA.weight);
      expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(6));
      expect(a.some((v) => v !== 0)).toBe(true);
      expect(values(layer.loraB.weight).every((v) => v === 0)).toBe(true);
      expect(layer.scaling).toBe(2);
      layer.dispose();
    });
  });

  it('at initialisation gives exactly the base layer output', async () => {
    await expectNoTensorLeak(() => {
      const base = new Linear(6, 5, { seed: 3 });
      const x = tf.randomNormal([4, 3, 6], 0, 1, 'float32', 11);
      const expected = base.apply(x);
      const layer = new LoraLinear(base, { ...hyper, seed: 9 });
      const actual = layer.apply(x);
      expect(actual.shape).toEqual([4, 3, 5]);
      expect(maxAbsDifference(actual, expected)).toBe(0);
      tf.dispose([x, expected, actual]);
      layer.dispose();
    });
  });

  it('adds B·A·alpha/r to the base output', async () => {
    await expectNoTensorLeak(() => {
      const layer = new LoraLinear(new Linear(6, 5, { seed: 3 }), { ...hyper, seed: 9 });
      randomiseFactors(layer, 21);
      const x = tf.randomNormal([3, 6], 0, 1, 'float32', 12);
      const expected = tf.tidy(() => {
        const ba = tf.matMul(layer.loraB.weight, layer.loraA.weight);
        return tf.add(layer.baseLayer.apply(x), tf.mul(tf.matMul(x, ba, false, true), 2));
      });
      const actual = layer.apply(x);
      expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-5);
      const baseOnly = layer.baseLayer.apply(x);
      expect(maxAbsDifference(actual, baseOnly)).toBeGreaterThan(1e-2);
      tf.dispose([x, expected, actual, baseOnly]);
      layer.dispose();
    });
  });

  it('refuses a rank, alpha or dropout out of range', async () => {
    await expectNoTensorLeak(() => {
      const base = new Linear(4, 4);
      for (const bad of [
        { rank: 0, alpha: 1, dropout: 0 },
        { rank: -2, alpha: 1, dropout: 0 },
        { rank: 1.5, alpha: 1, dropout: 0 },
        { rank: 2, alpha: 0, dropout: 0 },
        { rank: 2, alpha: -1, dropout: 0 },
        { rank: 2, alpha: 2, dropout: 1 },
        { rank: 2, alpha: 2, dropout: -0.1 },
      ]) {
        expect(() => new LoraLinear(base, bad)).toThrow(UserError);
      }
      base.dispose();
    });
  });

  it('drops out only the LoRA input, only in training mode, with seeded masks', async () => {
    await expectNoTensorLeak(() => {
      const make = (): LoraLinear => {
        const layer = new LoraLinear(new Linear(8, 6, { seed: 3 }), { rank: 4, alpha: 4, dropout: 0.5, seed: 5 });
        randomiseFactors(layer, 31);
        return layer;
      };
      const first = make();
      const twin = make();
      const x = tf.randomNormal([10, 8], 0, 1, 'float32', 13);
      const evalOut = first.apply(x);
      first.train();
      twin.train();
      const trainOut = first.apply(x);
      const twinOut = twin.apply(x);
      const secondCall = first.apply(x);
      expect(maxAbsDifference(trainOut, evalOut)).toBeGreaterThan(1e-3);
      expect(maxAbsDifference(trainOut, twinOut)).toBe(0);
      expect(maxAbsDifference(secondCall, trainOut)).toBeGreaterThan(1e-3);

      // With B at zero the LoRA path is zero, so training output is the untouched base output.
      const zeros = tf.zerosLike(first.loraB.weight);
      first.loraB.weight.assign(zeros);
      const baseOut = first.baseLayer.apply(x);
      const trainZeroB = first.apply(x);
      expect(maxAbsDifference(trainZeroB, baseOut)).toBe(0);
      tf.dispose([x, evalOut, trainOut, twinOut, secondCall, zeros, baseOut, trainZeroB]);
      first.dispose();
      twin.dispose();
    });
  });

  it('merge() matches the unmerged forward; unmerge() restores the base weight bit for bit', async () => {
    await expectNoTensorLeak(() => {
      const layer = new LoraLinear(new Linear(16, 12, { seed: 3 }), { rank: 4, alpha: 8, dropout: 0, seed: 9 });
      randomiseFactors(layer, 41);
      const originalBits = bits(layer.baseLayer.weight);
      const x = tf.randomNormal([5, 16], 0, 1, 'float32', 14);
      const unmerged = layer.apply(x);

      layer.merge();
      expect(layer.merged).toBe(true);
      expect(bits(layer.baseLayer.weight)).not.toEqual(originalBits);
      const merged = layer.apply(x);
      expect(maxAbsDifference(merged, unmerged)).toBeLessThan(1e-5);
      layer.merge(); // a second merge must not add the update again
      const mergedTwice = layer.apply(x);
      expect(maxAbsDifference(mergedTwice, merged)).toBe(0);

      layer.unmerge();
      expect(layer.merged).toBe(false);
      expect(bits(layer.baseLayer.weight)).toEqual(originalBits);
      const after = layer.apply(x);
      expect(maxAbsDifference(after, unmerged)).toBe(0);
      tf.dispose([x, unmerged, merged, mergedTwice, after]);
      layer.dispose();
    });
  });

  it('disposes the kept original weight when disposed while merged', async () => {
    await expectNoTensorLeak(() => {
      const layer = new LoraLinear(new Linear(4, 3), { ...hyper, seed: 2 });
      randomiseFactors(layer, 3);
      layer.merge();
      layer.dispose();
    });
  });
});

describe('LoraLinear gradients (central differences, float32)', () => {
  // loss = Σ R ⊙ y² is quadratic in each of A, B and x taken alone, so central differences have
  // no truncation error and only float32 rounding (≈ u·|L|/h ≈ 1e-5 relative at h = 1e-2)
  // remains; measured worst entries are 4e-6 (B), 3e-5 (A), 1.5e-4 (x). 5e-3 leaves a 30x margin
  // while a wrong factor (e.g. a missing alpha/r = 2, a dropped B) errs by ≥ 0.3.
  const tolerance = 5e-3;

  function setUp(): { layer: LoraLinear; x: tf.Variable; weights: Tensor; loss: () => tf.Scalar } {
    const layer = new LoraLinear(new Linear(5, 4, { seed: 3 }), { ...hyper, seed: 9 });
    randomiseFactors(layer, 51);
    const x = ownedVariable(tf.randomNormal([3, 5], 0, 1, 'float32', 15));
    const weights = tf.randomNormal([3, 4], 0, 1, 'float32', 16);
    const loss = (): tf.Scalar => tf.tidy(() => tf.sum(tf.mul(weights, tf.square(layer.apply(x)))));
    return { layer, x, weights, loss };
  }

  it.each(['lora_A', 'lora_B', 'input'] as const)('matches the analytic gradient w.r.t. %s', async (target) => {
    await expectNoTensorLeak(() => {
      const { layer, x, weights, loss } = setUp();
      const variable = target === 'lora_A' ? layer.loraA.weight : target === 'lora_B' ? layer.loraB.weight : x;
      const result = checkGradient(loss, variable);
      expect(result.checked).toBe(variable.size);
      expect(result.maxAbsAnalytic).toBeGreaterThan(0.05);
      expect(result.maxRelativeError, JSON.stringify(result.worst)).toBeLessThan(tolerance);
      tf.dispose([x, weights]);
      layer.dispose();
    });
  });

  it('the checker itself flags a gradient that is off by a factor of two', async () => {
    await expectNoTensorLeak(() => {
      const v = ownedVariable(tf.tensor1d([0.3, -0.7, 1.1]));
      // L = Σx² has gradient 2x; this op reports 4x.
      const doubled = tf.customGrad<tf.Scalar>((...inputs) => {
        const x = inputs[0];
        if (!(x instanceof tf.Tensor)) throw new Error('customGrad passes the input first');
        return { value: tf.sum<tf.Scalar>(tf.square(x)), gradFunc: (dy: Tensor) => tf.mul(dy, tf.mul(x, 4)) };
      });
      const result = checkGradient(() => doubled(v), v);
      expect(result.maxRelativeError).toBeGreaterThan(0.4);
      v.dispose();
    });
  });
});
