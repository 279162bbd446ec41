/**
 * `ctvlm extract` and `ctvlm ollama` as a user runs them: real processes, a project of phantom
 * CT reports, and a loopback server speaking Ollama's API in place of Ollama.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExtractionJobResultSchema, ExtractionJsonlRecordSchema } from '../../src/shared/api/extraction-schemas';
import { closedLoopbackHost, startFakeOllama, type FakeOllama } from '../helpers/fake-ollama-server';
import { writePhantomDataset } from '../helpers/phantom-dataset';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';

let server: FakeOllama | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('ctvlm extract and ctvlm ollama', () => {
  it(
    'extracts with the rules and with Ollama, writes JSON Lines, and says what to do when Ollama is down',
    { timeout: 180_000 },
    async () => {
      const dir = tempDir();
      const cli = (args: string[]) => ctvlm(['--data-dir', path.join(dir, 'data'), ...args]);
      const project = path.join(dir, 'projects', 'Site');
      expect((await cli(['project', 'create', 'Site', '--dir', path.join(dir, 'projects')])).code).toBe(0);
      const { manifest } = writePhantomDataset(path.join(dir, 'dataset'), { count: 4, seed: 13 });
      expect((await cli(['import', project, '--manifest', manifest])).code).toBe(0);

      const out = path.join(dir, 'rules.jsonl');
      const rules = await cli(['extract', project, '--engine', 'rules', '--out', out]);
      expect(rules.code, rules.stderr).toBe(0);
      expect(rules.stdout).toContain('Rule-based extractor (rules-v1): 4 reports');
      expect(rules.stdout).toContain('extracted 4, cached 0, failed 0');
      const records = fs
        .readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((line) => ExtractionJsonlRecordSchema.parse(JSON.parse(line)));
      expect(records).toHaveLength(4);
      expect(records[0]).toMatchObject({ engine: 'rules', model: null, prompt_version: 'rules-v1', ungrounded: [] });

      const down = await closedLoopbackHost();
      const refused = await cli(['extract', project, '--host', down]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`Cannot reach Ollama at ${down} (ECONNREFUSED)`);
      expect(refused.stderr).toContain('--engine rules');
      const status = await cli(['ollama', 'status', '--host', down]);
      expect(status.code).toBe(1);
      expect(status.stdout).toContain(`Cannot reach Ollama at ${down}`);

      server = await startFakeOllama({ models: [] });
      const missing = await cli(['extract', project, '--host', server.host]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('The model qwen3:8b is not installed');
      expect(missing.stderr).toContain('ctvlm ollama pull qwen3:8b');
      const pull = await cli(['ollama', 'pull', 'qwen3:8b', '--host', server.host]);
      expect(pull.code, pull.stderr).toBe(0);
      expect(pull.stdout).toContain('qwen3:8b is installed.');
      const listed = await cli(['ollama', 'status', '--host', server.host]);
      expect(listed.stdout).toMatch(/Ollama 0\.12\.6 at http:\/\/127\.0\.0\.1:\d+\n {2}qwen3:8b {2}4\.9 GiB {2}8\.2B/);

      const llmOut = path.join(dir, 'llm.jsonl');
      const llm = await cli(['--json', 'extract', project, '--host', server.host, '--out', llmOut]);
      expect(llm.code, llm.stderr).toBe(0);
      const result = ExtractionJobResultSchema.parse(JSON.parse(llm.stdout));
      expect(result).toMatchObject({ engine: 'ollama', model: 'qwen3:8b', extracted: 4, failed: 0, outFile: llmOut });
      expect(result.agreement[0]?.reports).toBe(4);
      expect(server.unloads()).toEqual(['qwen3:8b']);
      const llmRecords = fs
        .readFileSync(llmOut, 'utf8')
        .trim()
        .split('\n')
        .map((line) => ExtractionJsonlRecordSchema.parse(JSON.parse(line)));
      expect(llmRecords.map((record) => record.sections)).toEqual(records.map((record) => record.sections));

      const bad = await cli(['extract', project, '--engine', 'regex']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--engine is ollama or rules, not "regex"');
    },
  );
});
