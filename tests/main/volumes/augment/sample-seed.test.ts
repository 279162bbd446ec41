import { describe, expect, it } from 'vitest';
import { defaultAugmentationConfig } from '../../../../src/main/volumes/augment/augmentation-config';
import { deriveSampleSeed, sampleAugmentationAt } from '../../../../src/main/volumes/augment/sample-seed';
import { UserError } from '../../../../src/shared/errors';

describe('deriveSampleSeed', () => {
  it('depends only on (seed, epoch, index) and separates every position', () => {
    expect(deriveSampleSeed({ seed: 5, epoch: 2, index: 17 })).toBe(deriveSampleSeed({ seed: 5, epoch: 2, index: 17 }));
    const seeds = new Set<number>();
    for (const seed of [0, 1, 12345]) {
      for (let epoch = 0; epoch < 10; epoch += 1) {
        for (let index = 0; index < 100; index += 1) seeds.add(deriveSampleSeed({ seed, epoch, index }));
      }
    }
    expect(seeds.size).toBe(3000);
    for (const value of seeds) expect(Number.isInteger(value) && value >= 0 && value < 2 ** 32).toBe(true);
  });

  it('gives the same params for a position whatever was sampled before', () => {
    const config = defaultAugmentationConfig();
    const direct = sampleAugmentationAt({ seed: 3, epoch: 1, index: 40 }, config);
    for (let index = 0; index < 40; index += 1) sampleAugmentationAt({ seed: 3, epoch: 1, index }, config);
    expect(sampleAugmentationAt({ seed: 3, epoch: 1, index: 40 }, config)).toEqual(direct);
    expect(sampleAugmentationAt({ seed: 3, epoch: 2, index: 40 }, config)).not.toEqual(direct);
  });

  it('rejects a negative or fractional epoch or index', () => {
    expect(() => deriveSampleSeed({ seed: 1, epoch: -1, index: 0 })).toThrow(UserError);
    expect(() => deriveSampleSeed({ seed: 1, epoch: 0, index: 1.5 })).toThrow(UserError);
  });
});
