/**
 * Per-sample seeds from (run seed, epoch, sample index), so a sample's augmentation depends only
 * on where it is in the run, never on the order in which samples were prefetched or computed.
 */
import { UserError } from '../../../shared/errors';
import { SeededRandom } from '../../../shared/seeded-random';
import type { AugmentationConfig } from './augmentation-config';
import type { AugmentationParams } from './augmentation-params';
import { sampleAugmentation } from './sample-augmentation';

export interface SamplePosition {
  /** The training run's seed (an integer; only its low 32 bits matter). */
  seed: number;
  epoch: number;
  index: number;
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed for one sample; different (seed, epoch, index) give unrelated streams. */
export function deriveSampleSeed({ seed, epoch, index }: SamplePosition): number {
  for (const [name, value] of [
    ['seed', seed],
    ['epoch', epoch],
    ['index', index],
  ] as const) {
    if (!Number.isSafeInteger(value) || (name !== 'seed' && value < 0)) {
      throw new UserError(
        'INVALID_INPUT',
        `Augmentation ${name} must be a ${name === 'seed' ? '' : 'non-negative '}integer, got ${value}.`,
      );
    }
  }
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(epoch >>> 0, 0x85ebca77) ^ Math.floor(epoch / 0x100000000));
  h = mix32(h ^ Math.imul(index >>> 0, 0xc2b2ae3d) ^ Math.floor(index / 0x100000000));
  return h;
}

/** The parameters sample `index` of `epoch` gets in the run seeded with `seed`. */
export function sampleAugmentationAt(position: SamplePosition, config: AugmentationConfig): AugmentationParams {
  return sampleAugmentation(new SeededRandom(deriveSampleSeed(position)), config);
}
