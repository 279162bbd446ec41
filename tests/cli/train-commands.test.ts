/**
 * `ctvlm train`, `ctvlm runs` and `ctvlm sweep` as a user runs them: real processes, a project of
 * phantom CTs with their reports, a tiny base model; Ctrl+C during a run, then `--resume`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDetailSchema } from '../../src/shared/api/run-schemas';
import { writePhantomDataset } from '../helpers/phantom-dataset';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';
import { DEMO_TOKENIZER, writeTinyBaseModel } from '../main/training/tiny-base-model';

describe('ctvlm train, runs and sweep', () => {
  it('trains, lists, resumes after Ctrl+C, and sweeps', { timeout: 600_000 }, async () => {
    const dir = tempDir();
    const cli = (args: string[], onStderr?: Parameters<typeof ctvlm>[2]) =>
      ctvlm(['--data-dir', path.join(dir, 'data'), ...args], {}, onStderr);
    const project = path.join(dir, 'projects', 'Site');
    expect((await cli(['project', 'create', 'Site', '--dir', path.join(dir, 'projects')])).code).toBe(0);
    const { manifest } = writePhantomDataset(path.join(dir, 'dataset'), { count: 20, seed: 9, split: 'assign' });
    expect((await cli(['import', project, '--manifest', manifest])).code).toBe(0);
    const { checkpoint, preset } = writeTinyBaseModel(path.join(dir, 'base'));
    const set = await cli([
      'model',
      'set-base',
      project,
      checkpoint,
      '--tokenizer',
      DEMO_TOKENIZER,
      '--preset',
      preset,
    ]);
    expect(set.code, set.stderr).toBe(0);

    const bad = await cli(['train', project, '--method', 'bogus']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Unknown method "bogus": use one of peft, full/);
    const badFile = path.join(dir, 'bad.json');
    fs.writeFileSync(badFile, '{"imageLora": {"rank": -1, "alpha": 1, "dropout": 0, "targets": ["conv1"]}}');
    const badRank = await cli(['train', project, '--config', badFile]);
    expect(badRank.stderr).toMatch(/imageLora\.rank: LoRA rank must be a whole number above 0/);

    const common = ['--batch', '4', '--task', 'phantom-liver-mass', '--no-early-stopping', '--lr', '0.001'];
    // Ctrl+C while epoch 2 of 3 trains: the run is cancelled and keeps epoch 1's checkpoint.
    let interrupted = false;
    const stopped = await cli(
      ['train', project, '--name', 'interrupted', '--epochs', '3', ...common],
      (stderr, child) => {
        if (!interrupted && /Epoch 2\/3 · step/.test(stderr)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(interrupted).toBe(true);
    expect(stopped.code).not.toBe(0);
    const listed = await cli(['runs', project]);
    expect(listed.stdout).toMatch(/interrupted\s+peft\s+cancelled\s+1\b/);
    const resumed = await cli(['--json', 'train', project, '--resume', 'interrupted']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const run = RunDetailSchema.parse((JSON.parse(resumed.stdout) as { run: unknown }).run);
    expect(run.status).toBe('succeeded');
    expect(run.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2, 3]);

    const shown = await cli(['runs', project, 'interrupted']);
    expect(shown.stdout).toMatch(/epoch\s+train loss\s+val loss\s+val F1/);
    expect(shown.stdout).toMatch(/^\s*3\*?\s+\d\.\d{4}/m);
    // GPU memory per epoch: the backend's bytes on a GPU backend (webgpu), — on cpu or wasm; then
    // the precision (float32: no mixed precision asked for).
    expect(shown.stdout).toMatch(/peak MiB\s+GPU MiB\s+precision\s+s\s*$/m);
    expect(shown.stdout).toMatch(/^\s*3\*?\s+.*\s(—|\d+\.\d \(webgpu\))\s+float32\s+\d+\.\d\s*$/m);

    const sweepFile = path.join(dir, 'sweep.json');
    fs.writeFileSync(
      sweepFile,
      JSON.stringify({
        base: { epochs: 1, batchSize: 4, earlyStopping: null, validationTask: 'phantom-liver-mass' },
        runs: [{ method: 'projections' }, { method: 'text-lora' }],
      }),
    );
    const swept = await cli(['sweep', project, '--config', sweepFile]);
    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.stdout).toMatch(
      /run\s+method\s+τ₀\s+status\s+F1\s+recall\s+precision\s+accuracy\s+AUROC\s+mean cos\s+trainable\s+peak MiB/,
    );
    expect(swept.stdout).toMatch(/projections-t1\s+projections\s+1\s+succeeded\s+\d/);
    expect(swept.stdout).toMatch(/text-lora-t1\s+text-lora\s+1\s+succeeded\s+\d/);
  });
});
