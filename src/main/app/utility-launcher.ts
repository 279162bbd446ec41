/** Starts job workers as Electron utility processes (own V8 heap; a crash spares the window). */
import { utilityProcess } from 'electron';
import type { HostToWorker, WorkerChannel, WorkerLauncher, WorkerToHost } from '../jobs/job-protocol';

export function createUtilityLauncher(workerScript: string): WorkerLauncher {
  return {
    launch(jobId: string): WorkerChannel {
      const child = utilityProcess.fork(workerScript, [], { serviceName: `ctvlm job ${jobId}`, stdio: 'inherit' });
      return {
        send: (message: HostToWorker) => child.postMessage(message),
        onMessage: (listener) => child.on('message', (message) => listener(message as WorkerToHost)),
        onExit: (listener) => child.on('exit', (code) => listener(code, null)),
        kill: () => {
          child.kill();
        },
      };
    },
  };
}
