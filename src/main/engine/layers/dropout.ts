/**
 * Dropout that acts only in training mode. Seeded: each call draws the next seed of its own
 * sequence, so the same seed gives the same masks run after run, and two calls differ.
 */
import { BugError } from '../../../shared/errors';
import { Module } from '../module';
import { tf, type Tensor } from '../tf';
import { SeedSequence } from './init';

export interface DropoutOptions {
  seed?: number;
}

export class Dropout extends Module {
  private seeds: SeedSequence;

  constructor(
    readonly rate: number,
    options: DropoutOptions = {},
  ) {
    super();
    if (!(rate >= 0 && rate < 1)) throw new BugError(`Dropout rate must be in [0, 1), got ${rate}.`);
    this.seeds = new SeedSequence(options.seed ?? 1);
  }

  /** Where the mask sequence stands: `reseed(maskPosition)` continues it with the same masks. */
  get maskPosition(): number {
    return this.seeds.position;
  }

  /** Start the mask sequence again from `seed` (training reseeds every step, so a resumed run draws the same masks). */
  reseed(seed: number): void {
    this.seeds = new SeedSequence(seed);
  }

  /** Identity in evaluation mode (returns the input itself); scaled random zeroing in training. */
  apply(x: Tensor): Tensor {
    if (!this.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, this.seeds.take());
  }
}
