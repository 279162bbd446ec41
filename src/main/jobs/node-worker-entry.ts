/** Entry of a worker run as a Node child process (web mode and the CLI). */
import type { HostToWorker, WorkerToHost } from './job-protocol';
import { runWorker } from './worker-runtime';

if (!process.send) {
  console.error('node-worker-entry must be started by the workbench (child_process.fork).');
  process.exit(2);
}

let lastSend: Promise<void> = Promise.resolve();

runWorker(
  {
    send: (message: WorkerToHost) => {
      lastSend = new Promise((resolve) => {
        if (!process.send?.(message, undefined, undefined, () => resolve())) resolve();
      });
    },
    onMessage: (listener) => process.on('message', (message) => listener(message as HostToWorker)),
  },
  // Disconnect only once the final message is on its way, so the host always gets it.
  () => void lastSend.then(() => process.disconnect()),
);
