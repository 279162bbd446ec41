/** Entry of a worker run as an Electron utilityProcess (the desktop app). */
import type Electron from 'electron';
import type { HostToWorker, WorkerToHost } from '../jobs/job-protocol';
import { runWorker } from '../jobs/worker-runtime';

const port = (process as NodeJS.Process & { parentPort?: Electron.ParentPort }).parentPort;
if (!port) {
  console.error('utility-worker-entry must be started by the desktop app (utilityProcess.fork).');
  process.exit(2);
}

runWorker(
  {
    send: (message: WorkerToHost) => port.postMessage(message),
    onMessage: (listener) => port.on('message', (event) => listener(event.data as HostToWorker)),
  },
  () => setTimeout(() => process.exit(0), 50),
);
