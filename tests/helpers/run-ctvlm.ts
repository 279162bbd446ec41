import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_BIN } from './paths';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `ctvlm` command (bin/ctvlm.mjs) as a separate process. */
export function ctvlm(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  /** Sees stderr as it grows (progress lines), e.g. to interrupt the command at some point. */
  onStderr?: (stderr: string, child: ChildProcess) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
