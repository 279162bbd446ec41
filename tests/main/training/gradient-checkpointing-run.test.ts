/**
 * A training run with `gradientCheckpointing` through the API, as training-runs.test.ts runs one:
 * a real project of phantom CTs, the tiny CT-VLM base model, full fine-tuning (every block trains,
 * dropout on). The same run without the option is the reference: the losses match, and the
 * epoch's peak tensor bytes (sampled at the end of each forward, where the plain path holds every
 * activation for the backward) are lower.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBridge } from '../../../src/main/api/in-process-bridge';
import type { Workbench } from '../../../src/main/services/workbench';
import { createApiClient, type ApiClient } from '../../../src/shared/api/client';
import type { EpochRecord } from '../../../src/shared/api/run-schemas';
import { jobResult, waitForJob } from '../../helpers/jobs';
import { writePhantomDataset } from '../../helpers/phantom-dataset';
import { testWorkbench } from '../../helpers/workbench';
import { DEMO_TOKENIZER, writeTinyBaseModel } from './tiny-base-model';

let suiteDir: string;
let workbench: Workbench;
let api: ApiClient;
let projectId: string;

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

async function runEpochs(name: string, gradientCheckpointing: boolean): Promise<EpochRecord[]> {
  const { jobId } = await api.invoke('runs.start', {
    projectId,
    config: { ...RUN, name, gradientCheckpointing },
  });
  await jobResult(api, jobId);
  const run = await api.invoke('runs.get', { projectId, run: name });
  expect(run.status).toBe('succeeded');
  expect(run.config.gradientCheckpointing).toBe(gradientCheckpointing);
  return run.epochs;
}

describe('a training run with gradient checkpointing', { timeout: 120_000 }, () => {
  it('trains as the plain run does, with a lower peak of live tensors', async () => {
    const plain = await runEpochs('plain', false);
    const checkpointed = await runEpochs('checkpointed', true);
    expect(checkpointed).toHaveLength(1);
    const [a, b] = [plain[0]!, checkpointed[0]!];
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
