/** Starts job workers as Node child processes (web mode, CLI, tests). */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HostToWorker, WorkerChannel, WorkerLauncher, WorkerToHost } from './job-protocol';

const require = createRequire(import.meta.url);

/** The worker entry next to this file (.ts under tsx, .js when bundled). */
export function defaultWorkerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.replace(/node-worker-launcher\.(ts|js|mjs)$/, 'node-worker-entry.$1');
}

export function createNodeWorkerLauncher(entry = defaultWorkerEntry()): WorkerLauncher {
  const execArgv = entry.endsWith('.ts') ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
  return {
    launch(): WorkerChannel {
      const child = fork(entry, [], {
        execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      return {
        send: (message: HostToWorker) => {
          if (child.connected) child.send(message);
        },
        onMessage: (listener) => child.on('message', (message) => listener(message as WorkerToHost)),
        onExit: (listener) => child.on('exit', (code, signal) => listener(code, signal)),
        kill: () => {
          child.kill('SIGKILL');
        },
      };
    },
  };
}
