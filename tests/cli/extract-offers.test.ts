/**
 * `ctvlm extract` in a terminal: when Ollama is down it offers the rule-based extractor, and when
 * the model is missing it offers to pull it; the answer is typed at the prompt. The command runs
 * under util-linux `script`, which gives it a real pseudo-terminal.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closedLoopbackHost, startFakeOllama, type FakeOllama } from '../helpers/fake-ollama-server';
import { CLI_BIN } from '../helpers/paths';
import { writePhantomDataset } from '../helpers/phantom-dataset';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';

let server: FakeOllama | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Run ctvlm on a pseudo-terminal; type `answer` once `prompt` appears. Returns everything it printed. */
function inTerminal(args: string[], prompt: string, answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI_BIN, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answered = false;
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!answered && output.includes(prompt)) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** util-linux `script` (Debian's essential bsdutils) provides the terminal. */
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('ctvlm extract in a terminal', () => {
  it.skipIf(!hasScript)(
    'offers the rules when Ollama is down and a pull when the model is missing',
    { timeout: 180_000 },
    async () => {
      const dir = tempDir();
      const data = path.join(dir, 'data');
      const project = path.join(dir, 'projects', 'Site');
      expect(
        (await ctvlm(['--data-dir', data, 'project', 'create', 'Site', '--dir', path.join(dir, 'projects')])).code,
      ).toBe(0);
      const { manifest } = writePhantomDataset(path.join(dir, 'dataset'), { count: 3, seed: 17 });
      expect((await ctvlm(['--data-dir', data, 'import', project, '--manifest', manifest])).code).toBe(0);

      const down = await closedLoopbackHost();
      const fallback = await inTerminal(
        ['--data-dir', data, 'extract', project, '--host', down],
        'Extract with the rule-based engine instead? [y/N]',
        'y',
      );
      expect(fallback.output).toContain(`Cannot reach Ollama at ${down}`);
      expect(fallback.code, fallback.output).toBe(0);
      expect(fallback.output).toContain('Rule-based extractor (rules-v1): 3 reports');

      server = await startFakeOllama({ models: [] });
      const pulled = await inTerminal(
        ['--data-dir', data, 'extract', project, '--host', server.host],
        'Pull qwen3:8b now? [y/N]',
        'y',
      );
      expect(pulled.output).toContain('The model qwen3:8b is not installed');
      expect(pulled.code, pulled.output).toBe(0);
      expect(pulled.output).toContain('Ollama qwen3:8b (sections-v1+anatomy-v1): 3 reports');
      expect(server.installed.has('qwen3:8b')).toBe(true);

      // Declining leaves the error and its exit code.
      server.installed.clear();
      const declined = await inTerminal(
        ['--data-dir', data, 'extract', project, '--host', server.host],
        'Pull qwen3:8b now? [y/N]',
        'n',
      );
      expect(declined.code).toBe(1);
      expect(server.installed.size).toBe(0);
    },
  );
});
