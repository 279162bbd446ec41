/**
 * A small pool of worker threads that run applyAugmentation off the main thread.
 *
 * - Volumes travel as transferred ArrayBuffers (no copy): the caller's input array is detached
 *   after `augment` (an array that shares its buffer is copied first).
 * - A worker is ref'd only while it has a task, so an idle pool never keeps the process alive.
 * - An error thrown in a worker rejects that task with the worker's typed error; a worker that
 *   dies rejects its task (WORKER_CRASHED) and is replaced for the next one.
 * - `close()` terminates every worker and rejects whatever was still queued or running.
 */
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { BugError, CancelledError, UserError } from '../../../shared/errors';
import { augmentationFailure } from './augmentation-failure';
import type { AugmentVolume } from './augment-volume';
import type { AugmentTask, AugmentTaskResult } from './augment-worker-protocol';
import type { AugmentationParams } from './augmentation-params';
import { startWorkerThread } from './start-worker-thread';

let liveWorkerThreads = 0;

/** Augmentation worker threads started and not yet exited, in this process (diagnostics, tests). */
export function liveAugmentWorkerThreads(): number {
  return liveWorkerThreads;
}

/**
 * The worker entry: named by CTVLM_AUGMENT_WORKER_ENTRY where a bundler moved this file into a
 * chunk (the desktop app sets it), else the file next to this one (.ts under tsx and vitest).
 */
export function defaultAugmentWorkerEntry(): string {
  const configured = process.env.CTVLM_AUGMENT_WORKER_ENTRY;
  if (configured) return configured;
  return fileURLToPath(import.meta.url).replace(/augment-worker-pool\.(ts|js|mjs)$/, 'augment-worker-entry.$1');
}

export interface AugmentWorkerPool {
  /** Augments in a worker; `label` names the sample in error messages. */
  augment(volume: AugmentVolume, params: AugmentationParams, label: string): Promise<AugmentVolume>;
  close(): Promise<void>;
}

interface Pending {
  task: AugmentTask;
  label: string;
  resolve: (volume: AugmentVolume) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  running: Pending | null;
}

/** A view onto part of a buffer (or a shared one) cannot be transferred whole: copy it. */
function transferable(data: Float32Array): Float32Array {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return whole && data.buffer instanceof ArrayBuffer ? data : data.slice();
}

export function createAugmentWorkerPool(size: number, entryPath = defaultAugmentWorkerEntry()): AugmentWorkerPool {
  if (!Number.isInteger(size) || size < 1) {
    throw new UserError('INVALID_INPUT', `An augmentation worker pool needs at least 1 worker, got ${size}.`);
  }
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;

  const startSlot = (): Slot => {
    const slot: Slot = { worker: startWorkerThread(entryPath), running: null };
    liveWorkerThreads += 1;
    slot.worker.once('exit', () => {
      liveWorkerThreads -= 1;
    });
    slot.worker.unref();
    slot.worker.on('message', (result: AugmentTaskResult) => {
      const pending = slot.running;
      if (!pending || pending.task.id !== result.id) return;
      slot.running = null;
      slot.worker.unref();
      if (result.ok) pending.resolve(result.volume);
      else pending.reject(augmentationFailure(pending.label, result.error, ' in a worker thread'));
      dispatch();
    });
    const died = (why: string, cause?: unknown): void => {
      const index = slots.indexOf(slot);
      if (index < 0) return;
      slots.splice(index, 1);
      const pending = slot.running;
      slot.running = null;
      pending?.reject(
        new BugError(`The augmentation worker thread stopped (${why}) while augmenting ${pending.label}.`, {
          code: 'WORKER_CRASHED',
          cause,
        }),
      );
      if (!closed) dispatch();
    };
    slot.worker.on('error', (error) => died(error.message, error));
    slot.worker.on('exit', (code) => died(`exit code ${code}`));
    slots.push(slot);
    return slot;
  };

  const dispatch = (): void => {
    while (!closed && queue.length > 0) {
      let slot = slots.find((s) => s.running === null);
      if (!slot && slots.length < size) slot = startSlot();
      if (!slot) return;
      const pending = queue.shift() as Pending;
      slot.running = pending;
      slot.worker.ref();
      const { data } = pending.task.volume;
      slot.worker.postMessage(pending.task, [data.buffer as ArrayBuffer]);
    }
  };

  return {
    augment(volume, params, label) {
      if (closed) return Promise.reject(new CancelledError('The augmentation worker pool is closed.'));
      const task: AugmentTask = {
        id: nextId++,
        volume: { data: transferable(volume.data), dims: volume.dims, spacingMm: volume.spacingMm },
        params,
      };
      return new Promise<AugmentVolume>((resolve, reject) => {
        queue.push({ task, label, resolve, reject });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new CancelledError('The augmentation worker pool was closed.');
      for (const pending of queue.splice(0)) pending.reject(stopped);
      const running = slots.splice(0);
      for (const slot of running) slot.running?.reject(stopped);
      await Promise.all(running.map((slot) => slot.worker.terminate()));
    },
  };
}
