import { describe, expect, it } from 'vitest';
import { applyAugmentation } from '../../../../src/main/volumes/augment/apply-augmentation';
import {
  defaultAugmentationConfig,
  disabledAugmentationConfig,
  withAllProbabilities,
} from '../../../../src/main/volumes/augment/augmentation-config';
import { identityAugmentation } from '../../../../src/main/volumes/augment/augmentation-params';
import { sampleAugmentation } from '../../../../src/main/volumes/augment/sample-augmentation';
import { sampleAugmentationAt } from '../../../../src/main/volumes/augment/sample-seed';
import { SeededRandom } from '../../../../src/shared/seeded-random';
import { UserError } from '../../../../src/shared/errors';
import { allFinite, bytesOf, copyVolume, volumeFrom, type Vec3 } from './augment-test-volumes';

const DIMS: Vec3 = [28, 24, 20];
const SPACING: Vec3 = [0.9, 1.1, 2.5];

/** Textured test volume in [low, high]: a body, an organ and some structure. */
function ctLike(low = 0, high = 1) {
  return volumeFrom(DIMS, SPACING, (i, j, k) => {
    const body = Math.hypot((i - 13.5) / 11, (j - 11.5) / 9) < 1 ? 0.4 : 0;
    const organ = Math.hypot(i - 9, j - 12, (k - 10) * 2) < 5 ? 0.3 : 0;
    const texture = 0.1 * Math.sin(i * 0.7) * Math.cos(j * 0.5 + k * 0.3);
    const t = Math.min(1, Math.max(0, body + organ + (body > 0 ? texture + 0.1 : 0)));
    return low + (high - low) * t;
  });
}

const ALL_ON = withAllProbabilities(defaultAugmentationConfig(), 1);

describe('applyAugmentation', () => {
  it('gives byte-identical output for the same seed and input, and different output for another seed', () => {
    const input = ctLike();
    const first = applyAugmentation(input, sampleAugmentation(new SeededRandom(42), ALL_ON));
    const again = applyAugmentation(copyVolume(input), sampleAugmentation(new SeededRandom(42), ALL_ON));
    const other = applyAugmentation(input, sampleAugmentation(new SeededRandom(43), ALL_ON));
    expect(bytesOf(again.data).equals(bytesOf(first.data))).toBe(true);
    expect(bytesOf(other.data).equals(bytesOf(first.data))).toBe(false);
    // Not a trivial "same because nothing happened": the output differs from the input.
    expect(bytesOf(first.data).equals(bytesOf(input.data))).toBe(false);
  });

  it('returns exactly the input for identity parameters, as a new array, without touching the input', () => {
    const input = ctLike(-1, 1);
    const before = input.data.slice();
    const output = applyAugmentation(input, identityAugmentation());
    expect(output.data).not.toBe(input.data);
    expect(bytesOf(output.data).equals(bytesOf(before))).toBe(true);
    expect(output.dims).toEqual(DIMS);
    expect(output.spacingMm).toEqual(SPACING);
    // Also after a real augmentation, the input is unchanged.
    applyAugmentation(input, sampleAugmentation(new SeededRandom(1), ALL_ON));
    expect(bytesOf(input.data).equals(bytesOf(before))).toBe(true);
  });

  it('leaves the volume unchanged when every probability is 0 or augmentation is disabled', () => {
    const input = ctLike();
    const none = withAllProbabilities(defaultAugmentationConfig(), 0);
    for (let seed = 0; seed < 20; seed += 1) {
      for (const config of [none, disabledAugmentationConfig()]) {
        const params = sampleAugmentation(new SeededRandom(seed), config);
        expect(params).toEqual(identityAugmentation());
        expect(bytesOf(applyAugmentation(input, params).data).equals(bytesOf(input.data))).toBe(true);
      }
    }
  });

  it('treats rotation by 0°, scaling 1 and zero translation as exactly the identity', () => {
    const input = ctLike();
    const params = {
      ...identityAugmentation(),
      rotation: { degrees: [0, 0, 0] as Vec3 },
      scaling: { factors: [1, 1, 1] as Vec3 },
      translation: { mm: [0, 0, 0] as Vec3 },
    };
    expect(bytesOf(applyAugmentation(input, params).data).equals(bytesOf(input.data))).toBe(true);
  });

  it('never produces NaN or Infinity, for [0, 1] and [-1, 1] volumes, all transforms on', () => {
    for (const [low, high] of [
      [0, 1],
      [-1, 1],
    ] as const) {
      const input = ctLike(low, high);
      for (let index = 0; index < 12; index += 1) {
        const params = sampleAugmentationAt({ seed: 7, epoch: 0, index }, ALL_ON);
        const output = applyAugmentation(input, params);
        expect(output.data.length).toBe(input.data.length);
        expect(allFinite(output.data)).toBe(true);
      }
    }
    // A constant volume (min = max) and a single-voxel-thick volume too.
    const flat = volumeFrom([9, 7, 1], [1, 1, 3], () => 0.5);
    const params = sampleAugmentation(new SeededRandom(3), ALL_ON);
    expect(allFinite(applyAugmentation(flat, params).data)).toBe(true);
  });

  it('rejects a volume whose data does not match its dims, and non-finite intensities', () => {
    const bad = { data: new Float32Array(10), dims: [4, 4, 4] as Vec3, spacingMm: [1, 1, 1] as Vec3 };
    expect(() => applyAugmentation(bad, identityAugmentation())).toThrow(UserError);
    const nan = volumeFrom([4, 4, 4], [1, 1, 1], (i) => (i === 2 ? NaN : 0));
    expect(() => applyAugmentation(nan, identityAugmentation())).toThrow(/finite/);
  });
});
