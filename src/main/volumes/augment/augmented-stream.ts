/**
 * Augmented samples, in order, prefetched so the training step does not wait.
 *
 * While the caller holds sample n, samples n+1 … n+prefetch are already being loaded and
 * augmented (in worker threads; `workers: 0` augments on this thread, for debugging). Sample n's
 * parameters come from deriveSampleSeed({seed, epoch, index: n}) alone, so prefetch depth,
 * worker count and timing never change a result.
 *
 * Nothing starts until iteration starts. Finishing, `break`, `return` or an error ends the
 * iteration and terminates the workers; a failed load or augmentation rejects the iteration at
 * that sample with a message that names it. The loaded volume's buffer is handed to a worker:
 * `load` should return a volume the stream may consume.
 */
import { UserError } from '../../../shared/errors';
import type { AugmentInput, AugmentVolume } from './augment-volume';
import { applyAugmentation } from './apply-augmentation';
import { createAugmentWorkerPool, type AugmentWorkerPool } from './augment-worker-pool';
import { assertAugmentationConfig, MEDCT_VLM_AUGMENTATION, type AugmentationConfig } from './augmentation-config';
import type { AugmentationParams } from './augmentation-params';
import { augmentationFailure } from './augmentation-failure';
import { deriveSampleSeed, sampleAugmentationAt } from './sample-seed';

export interface AugmentedStreamOptions {
  seed: number;
  epoch: number;
  /** How many samples past the current one to compute ahead (0: one at a time). */
  prefetch: number;
  /** Worker threads (default 1, i.e. one more core); 0 augments on the calling thread. */
  workers?: number;
  /** Default: MedCT-VLM Table 2 (MEDCT_VLM_AUGMENTATION). */
  config?: AugmentationConfig;
}

export interface AugmentedSample<T> {
  item: T;
  /** Position in `items` (and the `index` its seed was derived from). */
  index: number;
  volume: AugmentVolume;
  params: AugmentationParams;
}

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new UserError('INVALID_INPUT', `Augmented stream: ${name} must be a non-negative integer, got ${value}.`);
  }
}

export function createAugmentedStream<T>(
  items: readonly T[],
  load: (item: T) => Promise<AugmentInput>,
  options: AugmentedStreamOptions,
): AsyncIterable<AugmentedSample<T>> {
  const workers = options.workers ?? 1;
  const config = options.config ?? MEDCT_VLM_AUGMENTATION;
  assertCount('prefetch', options.prefetch);
  assertCount('workers', workers);
  assertAugmentationConfig(config);
  deriveSampleSeed({ seed: options.seed, epoch: options.epoch, index: 0 }); // validates seed and epoch
  // Copies: changing the caller's array or config later cannot change this stream's samples.
  const frozen = { ...options, workers, config: structuredClone(config) };
  const list = [...items];
  return {
    [Symbol.asyncIterator]: () => iterate(list, load, frozen),
  };
}

async function* iterate<T>(
  items: readonly T[],
  load: (item: T) => Promise<AugmentInput>,
  options: Required<AugmentedStreamOptions>,
): AsyncGenerator<AugmentedSample<T>, void, undefined> {
  const pool: AugmentWorkerPool | null = options.workers > 0 ? createAugmentWorkerPool(options.workers) : null;
  const augment = async (volume: AugmentVolume, params: AugmentationParams, label: string): Promise<AugmentVolume> => {
    if (pool) return pool.augment(volume, params, label);
    try {
      return applyAugmentation(volume, params);
    } catch (error) {
      throw augmentationFailure(label, error, '');
    }
  };

  const prepare = async (index: number): Promise<AugmentedSample<T>> => {
    const item = items[index] as T;
    const params = sampleAugmentationAt({ seed: options.seed, epoch: options.epoch, index }, options.config);
    const volume = await load(item);
    return { item, index, volume: await augment(volume, params, `sample ${index} of epoch ${options.epoch}`), params };
  };

  const inFlight: Promise<AugmentedSample<T>>[] = [];
  let started = 0;
  try {
    for (let index = 0; index < items.length; index += 1) {
      while (started < items.length && started <= index + options.prefetch) {
        const promise = prepare(started);
        // Awaited in order below; until then (or if the loop ends first) a rejection is not unhandled.
        promise.catch(() => undefined);
        inFlight.push(promise);
        started += 1;
      }
      yield await (inFlight.shift() as Promise<AugmentedSample<T>>);
    }
  } finally {
    await pool?.close();
  }
}
