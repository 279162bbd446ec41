import { describe, expect, it } from 'vitest';
import { applyAugmentation } from '../../../../src/main/volumes/augment/apply-augmentation';
import {
  identityAugmentation,
  type AugmentationParams,
} from '../../../../src/main/volumes/augment/augmentation-params';
import { biasField } from '../../../../src/main/volumes/augment/bias-field';
import { gaussianHalfKernel } from '../../../../src/main/volumes/augment/gaussian-blur';
import { sampleAugmentation } from '../../../../src/main/volumes/augment/sample-augmentation';
import {
  defaultAugmentationConfig,
  withAllProbabilities,
} from '../../../../src/main/volumes/augment/augmentation-config';
import { SeededRandom } from '../../../../src/shared/seeded-random';
import { emptyVolume, forEachVoxel, maxOf, sumOf, volumeFrom, type Vec3 } from './augment-test-volumes';

function withParams(overrides: Partial<AugmentationParams>): AugmentationParams {
  return { ...identityAugmentation(), ...overrides };
}

describe('Gaussian blur', () => {
  it('lowers the peak of a point and keeps its total within 1%', () => {
    const dims: Vec3 = [21, 21, 21];
    const input = emptyVolume(dims, [1, 1, 2]);
    input.data[10 + 21 * (10 + 21 * 10)] = 1;
    for (const sigma of [0.5, 1, 1.5]) {
      const output = applyAugmentation(input, withParams({ blur: { sigmaVoxels: [sigma, sigma, sigma] } }));
      expect(maxOf(output.data)).toBeLessThan(0.6);
      expect(Math.abs(sumOf(output.data) - 1)).toBeLessThan(0.01);
    }
    // σ = 1 along i only: the profile along i is the normalised Gaussian kernel, nothing spreads along j or k.
    const alongI = applyAugmentation(input, withParams({ blur: { sigmaVoxels: [1, 0, 0] } }));
    const kernel = gaussianHalfKernel(1);
    expect(alongI.data[10 + 21 * (10 + 21 * 10)]).toBeCloseTo(kernel[0] ?? NaN, 6);
    expect(alongI.data[12 + 21 * (10 + 21 * 10)]).toBeCloseTo(kernel[2] ?? NaN, 6);
    expect(alongI.data[10 + 21 * (11 + 21 * 10)]).toBe(0);
    expect(kernel[1]).toBeCloseTo(Math.exp(-0.5) * (kernel[0] ?? NaN), 9);
  });

  it('mirrors at the borders, so a constant volume stays constant', () => {
    const input = volumeFrom([6, 5, 4], [1, 1, 1], () => 0.7);
    const output = applyAugmentation(input, withParams({ blur: { sigmaVoxels: [1.5, 1.5, 1.5] } }));
    for (const v of output.data) expect(v).toBeCloseTo(0.7, 6);
  });
});

describe('Gaussian noise', () => {
  it('has the configured σ (within 5%) and zero mean on a large volume', () => {
    const input = volumeFrom([64, 64, 48], [1, 1, 1], () => 0.5);
    const output = applyAugmentation(input, withParams({ noise: { sigma: 0.15, seed: 1234 } }));
    let sum = 0;
    let squares = 0;
    for (const v of output.data) {
      sum += v - 0.5;
      squares += (v - 0.5) ** 2;
    }
    const mean = sum / output.data.length;
    const sd = Math.sqrt(squares / output.data.length - mean * mean);
    expect(Math.abs(sd - 0.15) / 0.15).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    // Gaussian: about 68.3% within 1σ.
    const within = output.data.filter((v) => Math.abs(v - 0.5) < 0.15).length / output.data.length;
    expect(within).toBeCloseTo(0.683, 2);
  });

  it('depends on its seed', () => {
    const input = volumeFrom([8, 8, 8], [1, 1, 1], () => 0);
    const a = applyAugmentation(input, withParams({ noise: { sigma: 0.15, seed: 1 } }));
    const b = applyAugmentation(input, withParams({ noise: { sigma: 0.15, seed: 2 } }));
    expect(a.data).not.toEqual(b.data);
  });
});

describe('gamma', () => {
  it('maps a known intensity to (rescaled value)^γ on [0, 1] and on [-1, 1] data', () => {
    const logGamma = 0.5;
    const gamma = Math.exp(logGamma);
    const unit = volumeFrom([3, 1, 1], [1, 1, 1], (i) => [0, 0.25, 1][i] ?? NaN);
    const out = applyAugmentation(unit, withParams({ gamma: { logGamma } })).data;
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.25 ** gamma, 6);
    expect(out[2]).toBe(1);
    const symmetric = volumeFrom([3, 1, 1], [1, 1, 1], (i) => [-1, 0, 1][i] ?? NaN);
    const out2 = applyAugmentation(symmetric, withParams({ gamma: { logGamma: -0.5 } })).data;
    expect(out2[1]).toBeCloseTo(-1 + 2 * 0.5 ** Math.exp(-0.5), 6);
    expect([out2[0], out2[2]]).toEqual([-1, 1]);
  });
});

describe('bias field', () => {
  it('has TorchIO’s form: exp(coef · x) for a single linear x coefficient', () => {
    // Order 3 has 20 coefficients; (a=1, b=0, c=0) is number 10 in TorchIO's loop order.
    const coefficients = new Array<number>(20).fill(0);
    coefficients[10] = 0.3;
    const field = biasField([5, 3, 2], 3, coefficients);
    expect(field[0]).toBeCloseTo(Math.exp(-0.3), 6); // i = 0 → x = −1
    expect(field[2]).toBeCloseTo(1, 6); // the centre
    expect(field[4]).toBeCloseTo(Math.exp(0.3), 6);
    expect(field[4 + 5 * (2 + 3 * 1)]).toBeCloseTo(Math.exp(0.3), 6); // the same along j and k
  });

  it('is smooth and within [exp(−Σ|c|), exp(Σ|c|)] for sampled coefficients', () => {
    const dims: Vec3 = [24, 20, 16];
    const config = withAllProbabilities(defaultAugmentationConfig(), 1);
    for (let seed = 0; seed < 5; seed += 1) {
      const params = sampleAugmentation(new SeededRandom(seed), config).biasField;
      const coefficients = params?.coefficients ?? [];
      const total = coefficients.reduce((a, c) => a + Math.abs(c), 0);
      const field = biasField(dims, 3, coefficients);
      let low = Infinity;
      let high = -Infinity;
      for (const v of field) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
      expect(low).toBeGreaterThanOrEqual(Math.exp(-total) * (1 - 1e-6));
      expect(high).toBeLessThanOrEqual(Math.exp(total) * (1 + 1e-6));
      expect(high / low).toBeGreaterThan(1.01); // not flat
      // |∂ log f / ∂x| <= Σ|c|·order on [−1, 1]; one voxel step along i is 2 / (nx − 1).
      const step = (total * 3 * 2) / (dims[0] - 1);
      forEachVoxel(dims, (i, _j, _k, n) => {
        if (i === 0) return;
        expect(Math.abs(Math.log(field[n] ?? NaN) - Math.log(field[n - 1] ?? NaN))).toBeLessThanOrEqual(step + 1e-6);
      });
    }
  });

  it('multiplies the intensity above the background (the volume minimum)', () => {
    const coefficients = new Array<number>(20).fill(0);
    coefficients[0] = Math.log(1.2); // a constant ×1.2
    const input = volumeFrom([4, 3, 2], [1, 1, 1], (i) => (i === 0 ? -1 : 0.5));
    const output = applyAugmentation(input, withParams({ biasField: { order: 3, coefficients } }));
    expect(output.data[0]).toBe(-1);
    expect(output.data[1]).toBeCloseTo(-1 + 1.5 * 1.2, 6);
  });
});
