/**
 * Worker-thread entry: runs applyAugmentation for the pool (augment-worker-pool.ts). Loaded as
 * .ts through tsx in development and tests, or as the bundled .js next to the pool.
 */
import { parentPort } from 'node:worker_threads';
import { toErrorPayload } from '../../../shared/errors';
import { applyAugmentation } from './apply-augmentation';
import type { AugmentTask, AugmentTaskResult } from './augment-worker-protocol';

const port = parentPort;
if (!port) throw new Error('augment-worker-entry must run in a worker thread.');

port.on('message', (task: AugmentTask) => {
  let reply: AugmentTaskResult;
  try {
    reply = { id: task.id, ok: true, volume: applyAugmentation(task.volume, task.params) };
  } catch (error) {
    port.postMessage({ id: task.id, ok: false, error: toErrorPayload(error) } satisfies AugmentTaskResult);
    return;
  }
  port.postMessage(reply, [reply.volume.data.buffer as ArrayBuffer]);
});
