import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { Conv3d } from '../../../../src/main/engine/layers/conv3d';
import { ConvLora3d } from '../../../../src/main/engine/lora/conv-lora-3d';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { checkGradient } from '../../../helpers/finite-difference';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Conv3d(3, 4) with an uneven kernel, stride and padding, so the merge must respect all three. */
function baseConv(seed = 3): Conv3d {
  return new Conv3d(3, 4, [3, 1, 3], { stride: [2, 1, 1], padding: [1, 0, 1], seed });
}

function randomiseFactors(layer: ConvLora3d, seed: number): void {
  for (const [variable, offset] of [
    [layer.loraA.weight, 0],
    [layer.loraB.weight, 1],
  ] as const) {
    const value = tf.randomNormal(variable.shape, 0, 0.3, 'float32', seed + offset);
    variable.assign(value);
    value.dispose();
  }
}

function maxAbsDifference(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}

function bits(tensor: Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));
}

const input = (seed: number): Tensor => tf.randomNormal([2, 5, 4, 6, 3], 0, 1, 'float32', seed);

describe('ConvLora3d', () => {
  it('builds lora_A with the base kernel, stride and padding and a zero 1x1x1 lora_B', async () => {
    await expectNoTensorLeak(() => {
      const layer = new ConvLora3d(baseConv(), { rank: 2, alpha: 2, dropout: 0, seed: 5 });
      expect(layer.namedParameters().map(([name, v]) => [name, v.shape])).toEqual([
        ['base_layer.weight', [4, 3, 3, 1, 3]],
        ['base_layer.bias', [4]],
        ['lora_A.weight', [2, 3, 3, 1, 3]],
        ['lora_B.weight', [4, 2, 1, 1, 1]],
      ]);
      expect(layer.loraA.stride).toEqual([2, 1, 1]);
      expect(layer.loraA.padding).toEqual([1, 0, 1]);
      expect(layer.loraA.bias).toBeNull();
      expect(layer.loraB.bias).toBeNull();
      const a = layer.loraA.weight.dataSync();
      expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(3 * 9));
      expect(layer.loraB.weight.dataSync().every((v) => v === 0)).toBe(true);
      layer.dispose();
    });
  });

  it('at initialisation gives exactly the base conv output', async () => {
    await expectNoTensorLeak(() => {
      const base = baseConv();
      const x = input(7);
      const expected = base.apply(x);
      const layer = new ConvLora3d(base, { rank: 2, alpha: 2, dropout: 0, seed: 5 });
      const actual = layer.apply(x);
      expect(actual.shape).toEqual([2, 3, 4, 6, 4]);
      expect(maxAbsDifference(actual, expected)).toBe(0);
      tf.dispose([x, expected, actual]);
      layer.dispose();
    });
  });

  it('refuses rank 0 like LoRA does', async () => {
    await expectNoTensorLeak(() => {
      const base = baseConv();
      expect(() => new ConvLora3d(base, { rank: 0, alpha: 2, dropout: 0 })).toThrow(UserError);
      base.dispose();
    });
  });

  it('merge() (W + s·einsum(B, A)) matches the unmerged forward; unmerge() restores W bit for bit', async () => {
    await expectNoTensorLeak(() => {
      const layer = new ConvLora3d(baseConv(), { rank: 2, alpha: 3, dropout: 0, seed: 5 });
      randomiseFactors(layer, 61);
      const originalBits = bits(layer.baseLayer.weight);
      const x = input(8);
      const unmerged = layer.apply(x);
      const baseOnly = layer.baseLayer.apply(x);
      expect(maxAbsDifference(unmerged, baseOnly)).toBeGreaterThan(1e-2);

      layer.merge();
      const merged = layer.apply(x);
      expect(maxAbsDifference(merged, unmerged)).toBeLessThan(1e-5);

      layer.unmerge();
      expect(bits(layer.baseLayer.weight)).toEqual(originalBits);
      const after = layer.apply(x);
      expect(maxAbsDifference(after, unmerged)).toBe(0);
      tf.dispose([x, unmerged, baseOnly, merged, after]);
      layer.dispose();
    });
  });
});

describe('ConvLora3d gradients (central differences, float32)', () => {
  // Same reasoning as for LoraLinear: Σ R ⊙ y² is quadratic in A and in B, so only float32
  // rounding enters the numeric derivative. Measured worst entries: 6e-4 (A, longer conv sums),
  // 5e-6 (B); 5e-3 keeps an 8x margin and still fails any wrong factor (≥ 0.3).
  const tolerance = 5e-3;

  it.each(['lora_A', 'lora_B'] as const)('matches the analytic gradient w.r.t. %s', async (target) => {
    await expectNoTensorLeak(() => {
      const layer = new ConvLora3d(baseConv(), { rank: 2, alpha: 2, dropout: 0, seed: 5 });
      randomiseFactors(layer, 71);
      const x = input(9);
      const weights = tf.randomNormal([2, 3, 4, 6, 4], 0, 1, 'float32', 10);
      const loss = (): tf.Scalar => tf.tidy(() => tf.sum(tf.mul(weights, tf.square(layer.apply(x)))));
      const variable = target === 'lora_A' ? layer.loraA.weight : layer.loraB.weight;
      const result = checkGradient(loss, variable, { maxEntries: 60 });
      expect(result.maxAbsAnalytic).toBeGreaterThan(0.05);
      expect(result.maxRelativeError, JSON.stringify(result.worst)).toBeLessThan(tolerance);
      tf.dispose([x, weights]);
      layer.dispose();
    });
  });
});
