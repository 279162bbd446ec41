/**
 * Training runs end to end through the API: real worker processes, a real project of phantom CTs
 * with their written reports, a tiny CT-VLM as base model at 32x32x16 voxels, real checkpoint files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBridge } from '../../../src/main/api/in-process-bridge';
import type { Workbench } from '../../../src/main/services/workbench';
import { createApiClient, type ApiClient } from '../../../src/shared/api/client';
import { AppError } from '../../../src/shared/errors';
import { MetricsDocumentSchema, type MetricsDocument } from '../../../src/shared/api/evaluation-schemas';
import { readAdapter } from '../../../src/main/engine/io/peft-adapter';
import { jobResult, waitForJob } from '../../helpers/jobs';
import { writePhantomDataset } from '../../helpers/phantom-dataset';
import { testWorkbench } from '../../helpers/workbench';
import { DEMO_TOKENIZER, writeTinyBaseModel } from './tiny-base-model';

let suiteDir: string;
let workbench: Workbench;
let api: ApiClient;
let projectId: string;
let projectPath: string;

const QUICK = {
  epochs: 2,
  batchSize: 4,
  earlyStopping: null,
  validationTask: 'phantom-liver-mass',
  optimizer: { learningRate: 1e-3 },
};

beforeAll(async () => {
  suiteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-train-'));
  workbench = testWorkbench({ dataDir: path.join(suiteDir, 'data') });
  api = createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events));
  const project = await api.invoke('projects.create', { name: 'Train' });
  projectId = project.id;
  projectPath = project.path;
  const { manifest } = writePhantomDataset(path.join(suiteDir, 'dataset'), { count: 20, seed: 5, split: 'assign' });
  const { jobId } = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
  expect((await waitForJob(api, jobId)).status).toBe('succeeded');
}, 180_000);

afterAll(async () => {
  await workbench?.close();
  if (suiteDir) fs.rmSync(suiteDir, { recursive: true, force: true });
});

describe('training runs', { timeout: 300_000 }, () => {
  it('refuses a run before any work when there is no base model or the config is wrong', async () => {
    const noBase = await api.invoke('runs.start', { projectId, config: {} }).catch((e: unknown) => e);
    expect(noBase).toBeInstanceOf(AppError);
    expect((noBase as AppError).code).toBe('RUN_CONFIG_INVALID');
    expect((noBase as AppError).message).toMatch(/no base model to train/);

    const { checkpoint, preset } = writeTinyBaseModel(path.join(suiteDir, 'base'));
    await api.invoke('models.setBase', { projectId, checkpoint, tokenizer: DEMO_TOKENIZER, preset });

    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ method: 'lora-everything' }, /Unknown method "lora-everything": use one of peft, full/],
      [
        { imageLora: { rank: 0, alpha: 2, dropout: 0, targets: ['conv1'] } },
        /imageLora\.rank: LoRA rank must be a whole number above 0/,
      ],
      [{ batchSize: 64 }, /training studies are fewer than one optimizer step needs/],
      [{ text: 'findings-impression' }, /have no extracted Findings or Impression .* Run `ctvlm extract`/],
      [{ validationTask: 'no-such-task' }, /no-such-task/],
      [{ datasetId: 999 }, /No training studies: the project has none in split "train" of dataset 999/],
    ];
    for (const [config, message] of cases) {
      const error = await api.invoke('runs.start', { projectId, config }).catch((e: unknown) => e);
      expect(error, JSON.stringify(config)).toBeInstanceOf(AppError);
      expect((error as AppError).message).toMatch(message);
    }
    expect((await api.invoke('runs.list', { projectId })).runs).toEqual([]);
    expect(fs.existsSync(path.join(projectPath, 'files', 'runs'))).toBe(false);
  });

  it('trains a PEFT run: every epoch recorded, adapter-only checkpoints, evaluable as a run', async () => {
    const { jobId } = await api.invoke('runs.start', { projectId, config: { ...QUICK, name: 'peft-quick' } });
    const result = (await jobResult(api, jobId)) as { runId: number; outcome: { epochs: number } };
    expect(result.outcome.epochs).toBe(2);
    const run = await api.invoke('runs.get', { projectId, run: 'peft-quick' });
    expect(run.status).toBe('succeeded');
    expect(run.method).toBe('peft');
    expect(run.trainableParameters).toBeGreaterThan(0);
    expect(run.trainableParameters!).toBeLessThan(run.totalParameters! / 4);
    expect(run.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2]);
    for (const epoch of run.epochs) {
      expect(Number.isFinite(epoch.trainLoss)).toBe(true);
      expect(epoch.valLoss).not.toBeNull();
      expect(epoch.valF1 === null || (epoch.valF1 >= 0 && epoch.valF1 <= 1)).toBe(true);
      expect(epoch.valAuroc).not.toBeNull();
      expect(epoch.temperature).toBeGreaterThan(0);
      expect(epoch.learningRate).toBeGreaterThanOrEqual(0);
      expect(epoch.volumesPerSecond).toBeGreaterThan(0);
      expect(epoch.peakTensorBytes).toBeGreaterThan(0);
      expect(epoch.peakRssBytes).toBeGreaterThan(0);
      // GPU bytes only where the backend holds GPU memory (webgpu); null on wasm, cpu and tensorflow.
      expect(epoch.backend).toMatch(/^(tensorflow|webgpu|wasm|cpu)$/);
      if (epoch.backend === 'webgpu') expect(epoch.peakGpuBytes).toBeGreaterThan(0);
      else expect(epoch.peakGpuBytes).toBeNull();
    }
    // The epoch rows carry it in their own column (migration 7).
    const db = new Database(path.join(projectPath, 'project.sqlite'), { readonly: true });
    try {
      const columns = db
        .prepare('SELECT epoch, peak_gpu_bytes AS gpu FROM run_epochs WHERE run_id = ? ORDER BY epoch')
        .all(result.runId);
      expect(columns).toEqual(run.epochs.map((epoch) => ({ epoch: epoch.epoch, gpu: epoch.peakGpuBytes })));
    } finally {
      db.close();
    }
    // The temperature trains (HCC-Merlin): it moved from its initial 1.
    expect(run.epochs[1]!.temperature).not.toBe(1);
    const tags = run.checkpoints.map((checkpoint) => checkpoint.tag).sort();
    expect(tags).toEqual(['best', 'last']);
    const last = run.checkpoints.find((checkpoint) => checkpoint.tag === 'last')!;
    const adapter = readAdapter(path.join(projectPath, last.path));
    expect(adapter.config.ctvlm.saved_parameters).toEqual(
      expect.arrayContaining([
        'temperature',
        'encode_text.linear_layer.weight',
        'encode_image.i3_resnet.contrastive_head.weight',
      ]),
    );
    expect(adapter.config.ctvlm.conv_lora_modules.length).toBeGreaterThan(0);
    expect(fs.readdirSync(path.join(projectPath, last.path))).toEqual(
      expect.arrayContaining([
        'adapter_model.safetensors',
        'adapter_config.json',
        'trainer-state.json',
        'optimizer.safetensors',
      ]),
    );

    const evaluation = await api.invoke('evaluations.start', {
      projectId,
      source: { kind: 'run', run: 'peft-quick' },
      task: 'phantom-liver-mass',
      split: 'all',
      resamples: 20,
      projections: false,
    });
    expect((await waitForJob(api, evaluation.jobId)).status).toBe('succeeded');

    // The run's best checkpoint becomes an adapter of the project: listed, exportable, mergeable.
    const saved = await api.invoke('adapters.fromRun', { projectId, run: 'peft-quick' });
    expect(saved).toMatchObject({ name: 'peft-quick-best', runId: result.runId });
    expect(saved.trainableParams).toBeGreaterThan(0);
    expect(saved.sizeRatio).toBeGreaterThan(0); // against the project's base model
    expect(saved.sizeRatio).toBeLessThan(1);
    expect(fs.readdirSync(path.join(projectPath, 'files', 'adapters', 'peft-quick-best')).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    const again = await api.invoke('adapters.fromRun', { projectId, run: 'peft-quick' }).catch((e: unknown) => e);
    expect((again as AppError).message).toMatch(/already has an adapter named "peft-quick-best"/);
  });

  it('evaluates a supervised linear-probe baseline, labelled as using labels, only on held-out splits', async () => {
    const { jobId } = await api.invoke('evaluations.start', {
      projectId,
      source: { kind: 'run', run: 'peft-quick' },
      task: 'phantom-liver-mass',
      split: 'test',
      resamples: 20,
      projections: false,
      probe: 'linear',
    });
    const result = (await jobResult(api, jobId)) as { metrics: MetricsDocument };
    const metrics = MetricsDocumentSchema.parse(result.metrics);
    expect(metrics.model.label).toBe('peft-quick + linear probe (labels)');
    expect(metrics.supervision?.kind).toBe('linear-probe');
    expect(metrics.supervision?.trainStudies).toBeGreaterThan(0);
    expect(metrics.supervision?.note).toMatch(/Supervised baseline, not zero-shot/);
    const rows = (await api.invoke('evaluations.list', { projectId, task: null })).evaluations;
    expect(rows.at(-1)?.model.label).toBe('peft-quick + linear probe (labels)');
    const onTrain = await api
      .invoke('evaluations.start', { projectId, task: 'phantom-liver-mass', split: 'train', probe: 'linear' })
      .catch((e: unknown) => e);
    const finished = onTrain instanceof AppError ? null : await waitForJob(api, (onTrain as { jobId: string }).jobId);
    expect(onTrain instanceof AppError ? onTrain.message : finished?.error?.message).toMatch(
      /must be evaluated on "val" or "test", not "train"/,
    );
  });

  it('trains a full fine-tuning run, written as a whole checkpoint', async () => {
    const { jobId } = await api.invoke('runs.start', {
      projectId,
      config: { ...QUICK, epochs: 1, method: 'full', name: 'full-quick', optimizer: { learningRate: 1e-4 } },
    });
    await jobResult(api, jobId);
    const run = await api.invoke('runs.get', { projectId, run: 'full-quick' });
    expect(run.trainableParameters).toBe(run.totalParameters);
    const last = run.checkpoints.find((checkpoint) => checkpoint.tag === 'last')!;
    expect(fs.readdirSync(path.join(projectPath, last.path))).toEqual(
      expect.arrayContaining(['model.safetensors', 'config.json', 'trainer-state.json']),
    );
    const notAdapter = await api.invoke('adapters.fromRun', { projectId, run: 'full-quick' }).catch((e: unknown) => e);
    expect((notAdapter as AppError).message).toMatch(
      /trained whole weights.*not an adapter; evaluate it with --run full-quick/,
    );
  });

  it('stops a diverging run with a clear message and records it as failed', async () => {
    const { jobId } = await api.invoke('runs.start', {
      projectId,
      config: { ...QUICK, name: 'diverges', temperature: { init: 1e-38, learnable: true } },
    });
    const finished = await waitForJob(api, jobId);
    expect(finished.status).toBe('failed');
    expect(finished.error?.code).toBe('TRAINING_DIVERGED');
    expect(finished.error?.message).toMatch(/the (contrastive loss|gradient norm) is (NaN|Infinity|-Infinity)/);
    const run = await api.invoke('runs.get', { projectId, run: 'diverges' });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('TRAINING_DIVERGED');
    expect(run.checkpoints).toEqual([]);
  });

  it('runs a sweep and ends with the comparison table', async () => {
    const { jobId } = await api.invoke('sweeps.start', {
      projectId,
      sweep: {
        name: 'temperatures',
        base: { ...QUICK, epochs: 1, method: 'projections' },
        grid: { 'temperature.init': [0.07, 1] },
      },
    });
    const result = (await jobResult(api, jobId)) as { sweepId: number };
    const { rows } = await api.invoke('sweeps.table', { projectId, sweepId: result.sweepId });
    expect(rows.map((row) => row.temperatureInit)).toEqual([0.07, 1]);
    for (const row of rows) {
      const run = await api.invoke('runs.get', { projectId, run: String(row.runId) });
      expect(row.status, JSON.stringify(run.error)).toBe('succeeded');
      expect(row.method).toBe('projections');
      expect(row.trainableParameters).toBeGreaterThan(0);
      expect(row.peakTensorBytes).toBeGreaterThan(0);
      expect(row.evaluation?.split).toBe('test');
      expect(row.evaluation?.headline.f1).toBeDefined();
    }
  });

  it('trains on extracted text once the reports are split: anatomy text on odd steps (HCC-Merlin)', async () => {
    const extraction = await api.invoke('extraction.start', { projectId, engine: 'rules' });
    await jobResult(api, extraction.jobId);
    const { jobId } = await api.invoke('runs.start', {
      projectId,
      config: { ...QUICK, epochs: 1, method: 'projections', text: 'alternate', name: 'alternate-text' },
    });
    await jobResult(api, jobId);
    const run = await api.invoke('runs.get', { projectId, run: 'alternate-text' });
    expect(run.status).toBe('succeeded');
    expect(run.config.text).toBe('alternate');
    expect(run.epochs).toHaveLength(1);
  });
});
