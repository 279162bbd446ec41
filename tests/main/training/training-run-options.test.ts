/**
 * Training runs with the step options `gradientCheckpointing` and `mixedPrecision` through the
 * API, as training-runs.test.ts runs one: a real project of phantom CTs, the tiny CT-VLM base
 * model, full fine-tuning (every block trains, dropout on). The same run without the option is
 * the reference.
 * - Checkpointing: the losses match, and the epoch's peak tensor bytes (sampled at the end of each
 *   forward, where the plain path holds every activation for the backward) are lower.
 * - Mixed precision on the cpu backend (no f16 kernels): the record says float32 with loss scale
 *   2^16 and no skipped step, the losses are exactly the plain run's (power-of-two scaling is
 *   exact in float32), and the last checkpoint keeps the scaler's state for a resume.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBridge } from '../../../src/main/api/in-process-bridge';
import type { Workbench } from '../../../src/main/services/workbench';
import { createApiClient, type ApiClient } from '../../../src/shared/api/client';
import type { RunDetail } from '../../../src/shared/api/run-schemas';
import { TRAINER_STATE_FILE } from '../../../src/main/training/trainer-state';
import { jobResult, waitForJob } from '../../helpers/jobs';
import { writePhantomDataset } from '../../helpers/phantom-dataset';
import { testWorkbench } from '../../helpers/workbench';
import { DEMO_TOKENIZER, writeTinyBaseModel } from './tiny-base-model';

let suiteDir: string;
let workbench: Workbench;
let api: ApiClient;
let projectId: string;
let projectDir: string;

const RUN = {
  method: 'full',
  epochs: 1,
  batchSize: 4,
  earlyStopping: null,
  validationTask: null,
  optimizer: { learningRate: 1e-3 },
};

beforeAll(async () => {
  suiteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-checkpointing-'));
  workbench = testWorkbench({ dataDir: path.join(suiteDir, 'data') });
  api = createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events));
  const project = await api.invoke('projects.create', { name: 'Checkpointing' });
  projectId = project.id;
  projectDir = project.path;
  const { manifest } = writePhantomDataset(path.join(suiteDir, 'dataset'), { count: 12, seed: 5, split: 'assign' });
  const { jobId } = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
  expect((await waitForJob(api, jobId)).status).toBe('succeeded');
  const { checkpoint, preset } = writeTinyBaseModel(path.join(suiteDir, 'base'));
  await api.invoke('models.setBase', { projectId, checkpoint, tokenizer: DEMO_TOKENIZER, preset });
}, 120_000);

afterAll(async () => {
  await workbench?.close();
  if (suiteDir) fs.rmSync(suiteDir, { recursive: true, force: true });
});

async function runWith(
  name: string,
  options: { gradientCheckpointing?: boolean; mixedPrecision?: boolean },
): Promise<RunDetail> {
  const { jobId } = await api.invoke('runs.start', { projectId, config: { ...RUN, name, ...options } });
  await jobResult(api, jobId);
  const run = await api.invoke('runs.get', { projectId, run: name });
  expect(run.status).toBe('succeeded');
  expect(run.config).toMatchObject(options);
  return run;
}

let plainRun: Promise<RunDetail> | null = null;
/** The reference run without options, shared by both tests. */
function plain(): Promise<RunDetail> {
  plainRun ??= runWith('plain', {});
  return plainRun;
}

describe('a training run with gradient checkpointing', { timeout: 120_000 }, () => {
  it('trains as the plain run does, with a lower peak of live tensors', async () => {
    const reference = (await plain()).epochs;
    const checkpointed = (await runWith('checkpointed', { gradientCheckpointing: true })).epochs;
    expect(checkpointed).toHaveLength(1);
    const [a, b] = [reference[0]!, checkpointed[0]!];
    expect(b.steps).toBe(a.steps);
    expect(Math.abs(b.trainLoss - a.trainLoss)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a.trainLoss)));
    expect(b.valLoss).not.toBeNull();
    expect(Math.abs((b.valLoss ?? NaN) - (a.valLoss ?? NaN))).toBeLessThanOrEqual(1e-3);
    expect(b.peakTensorBytes).toBeLessThan(a.peakTensorBytes);
    console.info(
      `[gradient-checkpointing run] peak tensor MiB at the end of a forward (${a.backend}): ${(a.peakTensorBytes / 2 ** 20).toFixed(2)} plain, ${(b.peakTensorBytes / 2 ** 20).toFixed(2)} checkpointed`,
    );
  });
});

describe('a training run with mixed precision', { timeout: 120_000 }, () => {
  it('records float32 with the loss scale on a backend without f16 kernels, trains exactly as the plain run, and keeps the scaler for a resume', async () => {
    const reference = (await plain()).epochs[0]!;
    const run = await runWith('mixed', { mixedPrecision: true });
    const epoch = run.epochs[0]!;
    expect(reference).toMatchObject({ precision: 'float32', lossScale: null, skippedSteps: 0 });
    expect(epoch).toMatchObject({ precision: 'float32', lossScale: 2 ** 16, skippedSteps: 0 });
    expect(epoch.steps).toBe(reference.steps);
    expect(epoch.trainLoss).toBe(reference.trainLoss);
    expect(epoch.valLoss).toBe(reference.valLoss);
    const last = run.checkpoints.find((checkpoint) => checkpoint.tag === 'last');
    if (!last) throw new Error('the run kept no last checkpoint');
    const state = JSON.parse(fs.readFileSync(path.join(projectDir, last.path, TRAINER_STATE_FILE), 'utf8')) as {
      lossScaler?: unknown;
    };
    expect(state.lossScaler).toEqual({ scale: 2 ** 16, goodSteps: epoch.steps, skippedSteps: 0 });
  });
});
