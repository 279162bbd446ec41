import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyAugmentation } from '../../../../src/main/volumes/augment/apply-augmentation';
import {
  createAugmentWorkerPool,
  liveAugmentWorkerThreads,
} from '../../../../src/main/volumes/augment/augment-worker-pool';
import {
  defaultAugmentationConfig,
  withAllProbabilities,
} from '../../../../src/main/volumes/augment/augmentation-config';
import { createAugmentedStream } from '../../../../src/main/volumes/augment/augmented-stream';
import { sampleAugmentationAt } from '../../../../src/main/volumes/augment/sample-seed';
import { UserError } from '../../../../src/shared/errors';
import { blobVolume, bytesOf, type Vec3 } from './augment-test-volumes';

const CONFIG = withAllProbabilities(defaultAugmentationConfig(), 1);
const DIMS: Vec3 = [24, 20, 16];

/** A different small volume per item; a fresh copy each time (the stream may transfer it). */
async function load(item: number) {
  await Promise.resolve();
  return blobVolume(DIMS, [1, 1.2, 2], [6 + item, 10, 8], 3, 1);
}

async function expected(item: number, index: number, seed: number, epoch: number) {
  return applyAugmentation(await load(item), sampleAugmentationAt({ seed, epoch, index }, CONFIG));
}

describe('createAugmentedStream', () => {
  it('yields every item in order, with the volumes applyAugmentation gives for the derived seeds', async () => {
    const items = [3, 1, 4, 1, 5, 9];
    for (const options of [
      { seed: 21, epoch: 2, prefetch: 2 },
      { seed: 21, epoch: 2, prefetch: 0, workers: 2 },
      { seed: 21, epoch: 2, prefetch: 5, workers: 2 },
      { seed: 21, epoch: 2, prefetch: 1, workers: 0 },
    ]) {
      const seen: number[] = [];
      for await (const sample of createAugmentedStream(items, load, { ...options, config: CONFIG })) {
        expect(sample.index).toBe(seen.length);
        expect(sample.item).toBe(items[sample.index]);
        expect(sample.params).toEqual(sampleAugmentationAt({ seed: 21, epoch: 2, index: sample.index }, CONFIG));
        const direct = await expected(sample.item, sample.index, 21, 2);
        expect(sample.volume.dims).toEqual(DIMS);
        expect(bytesOf(sample.volume.data).equals(bytesOf(direct.data))).toBe(true);
        seen.push(sample.index);
      }
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    }
    await vi.waitFor(() => expect(liveAugmentWorkerThreads()).toBe(0));
  });

  it('loads at most `prefetch` samples ahead of the one the caller holds', async () => {
    let started = 0;
    const counting = async (item: number) => {
      started += 1;
      return load(item);
    };
    const items = [0, 1, 2, 3, 4, 5, 6, 7];
    for await (const sample of createAugmentedStream(items, counting, {
      seed: 1,
      epoch: 0,
      prefetch: 3,
      config: CONFIG,
    })) {
      expect(started).toBe(Math.min(items.length, sample.index + 1 + 3));
    }
  });

  it('terminates its workers when the loop breaks early', async () => {
    const items = Array.from({ length: 20 }, (_, n) => n);
    let received = 0;
    for await (const sample of createAugmentedStream(items, load, { seed: 5, epoch: 0, prefetch: 4, workers: 2 })) {
      received += 1;
      expect(liveAugmentWorkerThreads()).toBeGreaterThan(0);
      if (sample.index === 1) break;
    }
    expect(received).toBe(2);
    await vi.waitFor(() => expect(liveAugmentWorkerThreads()).toBe(0));
  });

  it('rejects the iteration with a clear message when augmenting fails in a worker, and cleans up', async () => {
    const broken = async (item: number) => {
      const volume = await load(item);
      // Sample 2's volume is inconsistent: applyAugmentation's check throws.
      return item === 2 ? { ...volume, dims: [4, 4, 4] as Vec3 } : volume;
    };
    for (const [workers, where] of [
      [1, ' in a worker thread'],
      [0, ''],
    ] as const) {
      const indices: number[] = [];
      const run = async () => {
        const stream = createAugmentedStream([0, 1, 2, 3], broken, { seed: 1, epoch: 3, prefetch: 2, workers });
        for await (const sample of stream) indices.push(sample.index);
      };
      const error = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('VOLUME_INVALID');
      expect((error as UserError).message).toContain(`Augmenting sample 2 of epoch 3 failed${where}: Volume has`);
      expect((error as UserError).message).toContain('dims [4, 4, 4]');
      expect(indices).toEqual([0, 1]);
    }
    await vi.waitFor(() => expect(liveAugmentWorkerThreads()).toBe(0));
  });

  it('passes on a failed load as the iteration’s error', async () => {
    const failing = async (item: number) => {
      if (item === 1) throw new Error('disk gone');
      return load(item);
    };
    const run = async () => {
      for await (const _ of createAugmentedStream([0, 1, 2], failing, { seed: 1, epoch: 0, prefetch: 2 })) {
        // consume
      }
    };
    await expect(run()).rejects.toThrow('disk gone');
    await vi.waitFor(() => expect(liveAugmentWorkerThreads()).toBe(0));
  });

  it('rejects nonsense options before starting anything', () => {
    expect(() => createAugmentedStream([1], load, { seed: 1, epoch: 0, prefetch: -1 })).toThrow(/prefetch/);
    expect(() => createAugmentedStream([1], load, { seed: 1, epoch: 0, prefetch: 1, workers: 1.5 })).toThrow(/workers/);
    expect(liveAugmentWorkerThreads()).toBe(0);
  });
});

describe('createAugmentWorkerPool', () => {
  it('rejects a task with WORKER_CRASHED when its worker thread dies', async () => {
    const pool = createAugmentWorkerPool(1, path.join(os.tmpdir(), 'no-such-augment-worker.js'));
    try {
      const volume = await load(0);
      await expect(
        pool.augment(volume, sampleAugmentationAt({ seed: 1, epoch: 0, index: 0 }, CONFIG), 'sample 0'),
      ).rejects.toMatchObject({
        code: 'WORKER_CRASHED',
        message: expect.stringMatching(/stopped .* while augmenting sample 0/) as unknown,
      });
    } finally {
      await pool.close();
    }
    await vi.waitFor(() => expect(liveAugmentWorkerThreads()).toBe(0));
  });
});
