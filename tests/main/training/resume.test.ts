/**
 * A training run killed mid-way resumes from its last checkpoint and ends exactly as an
 * uninterrupted run with the same config: the same adapter bytes, optimizer moments and epoch
 * records. The project is set up through the API (phantom studies, a tiny base model); the runs
 * themselves go through the `training.run` job code in this process, with a job context that
 * cancels on a chosen call of throwIfCancelled (what a kill or a cancel does between two steps).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBridge } from '../../../src/main/api/in-process-bridge';
import type { JobContext } from '../../../src/main/jobs/job-context';
import { openProject } from '../../../src/main/store/project-store';
import { listRuns, runDetail } from '../../../src/main/store/repositories/run-repository';
import { trainRunJob, type RunJobResult } from '../../../src/main/training/train-run-job';
import { createApiClient } from '../../../src/shared/api/client';
import type { EpochRecord, RunConfigInput, RunDetail } from '../../../src/shared/api/run-schemas';
import { CancelledError } from '../../../src/shared/errors';
import { waitForJob } from '../../helpers/jobs';
import { writePhantomDataset } from '../../helpers/phantom-dataset';
import { testWorkbench } from '../../helpers/workbench';
import { DEMO_TOKENIZER, writeTinyBaseModel } from './tiny-base-model';

/** 12 training studies at batch size 4: 3 optimizer steps an epoch, 9 in all. */
const CONFIG: RunConfigInput = {
  method: 'peft',
  epochs: 3,
  batchSize: 4,
  textLora: { rank: 4, alpha: 8, dropout: 0.3, targets: ['query', 'key', 'value'] },
  earlyStopping: null,
  validationTask: 'phantom-liver-mass',
  optimizer: { learningRate: 1e-3 },
  seed: 7,
};

let suiteDir: string;
let projectDir: string;

beforeAll(async () => {
  suiteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-resume-'));
  const workbench = testWorkbench({ dataDir: path.join(suiteDir, 'data') });
  try {
    const api = createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events));
    const project = await api.invoke('projects.create', { name: 'Resume' });
    projectDir = project.path;
    const { manifest } = writePhantomDataset(path.join(suiteDir, 'dataset'), { count: 20, seed: 5, split: 'assign' });
    const { jobId } = await api.invoke('datasets.import', { projectId: project.id, manifestPath: manifest });
    expect((await waitForJob(api, jobId)).status).toBe('succeeded');
    const { checkpoint, preset } = writeTinyBaseModel(path.join(suiteDir, 'base'));
    await api.invoke('models.setBase', { projectId: project.id, checkpoint, tokenizer: DEMO_TOKENIZER, preset });
  } finally {
    // The workbench lets go of the project: the job code below takes its write lock itself.
    await workbench.close();
  }
}, 180_000);

afterAll(() => {
  if (suiteDir) fs.rmSync(suiteDir, { recursive: true, force: true });
});

interface Recorded {
  context: JobContext;
  /** Every progress report, with how many throwIfCancelled calls had been made by then. */
  reports: Array<{ calls: number; done: number; message: string }>;
}

/** A job context whose throwIfCancelled throws CancelledError from its `cancelAt`-th call on. */
function jobContext(cancelAt: number | null = null): Recorded {
  const reports: Recorded['reports'] = [];
  let calls = 0;
  const context: JobContext = {
    signal: new AbortController().signal,
    projectDir,
    lockToken: null,
    progress: (done, _total, message) => reports.push({ calls, done, message }),
    throwIfCancelled: () => {
      calls += 1;
      if (cancelAt !== null && calls >= cancelAt) throw new CancelledError();
    },
  };
  return { context, reports };
}

function readProject<T>(read: (db: ReturnType<typeof openProject>['db']) => T): T {
  const project = openProject(projectDir, { mode: 'read' });
  try {
    return read(project.db);
  } finally {
    project.close();
  }
}

function newestRunId(): number {
  return Math.max(...readProject((db) => listRuns(db)).map((run) => run.id));
}

function detail(runId: number): RunDetail {
  return readProject((db) => runDetail(db, runId));
}

/** The files of a run's checkpoint (by tag), as recorded in the project. */
function checkpointFile(run: RunDetail, tag: 'last' | 'best', file: string): Buffer {
  const checkpoint = run.checkpoints.find((candidate) => candidate.tag === tag);
  if (!checkpoint) throw new Error(`run ${run.name} has no ${tag} checkpoint`);
  return fs.readFileSync(path.join(projectDir, checkpoint.path, file));
}

/** What must match between runs: everything but timings and memory. */
function reproducible(epochs: readonly EpochRecord[]): unknown[] {
  return epochs.map(({ seconds, volumesPerSecond, peakTensorBytes, peakRssBytes, peakGpuBytes, ...rest }) => {
    expect(seconds).toBeGreaterThan(0);
    expect(volumesPerSecond).toBeGreaterThan(0);
    expect(peakTensorBytes).toBeGreaterThan(0);
    expect(peakRssBytes).toBeGreaterThan(0);
    expect(peakGpuBytes === null || peakGpuBytes > 0).toBe(true);
    return rest;
  });
}

/** Runs a job that must be cancelled; returns the id of the run it recorded. */
async function interruptedRun(cancelAt: number): Promise<{ runId: number; reports: Recorded['reports'] }> {
  const { context, reports } = jobContext(cancelAt);
  const error = await trainRunJob({ config: CONFIG, resume: null, sweepId: null }, context).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CancelledError);
  return { runId: newestRunId(), reports };
}

describe('resuming a training run', { timeout: 600_000 }, () => {
  let uninterrupted: { result: RunJobResult; detail: RunDetail };
  /** The throwIfCancelled call that lands inside epoch 2 (before its second step). */
  let cancelAt: number;

  it('runs the uninterrupted reference', async () => {
    const { context, reports } = jobContext();
    const result = await trainRunJob({ config: CONFIG, resume: null, sweepId: null }, context);
    expect(result.outcome).toMatchObject({ epochs: 3, steps: 9, stoppedEarly: false });
    const run = detail(result.runId);
    expect(run.status).toBe('succeeded');
    expect(run.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2, 3]);
    uninterrupted = { result, detail: run };

    const epoch2Step1 = reports.find((report) => report.message.startsWith('Epoch 2/3 · step 1/3'));
    expect(epoch2Step1?.done).toBe(4);
    cancelAt = epoch2Step1!.calls + 1;
  });

  it('ends a run killed inside epoch 2 and resumed with the uninterrupted run’s exact result', async () => {
    expect(uninterrupted, 'the reference run failed').toBeDefined();
    const killed = await interruptedRun(cancelAt);
    // It was cancelled after epoch 2's first step, before epoch 2 ended.
    const messages = killed.reports.map((report) => report.message);
    expect(messages.some((message) => message.startsWith('Epoch 2/3 · step 1/3'))).toBe(true);
    expect(messages.some((message) => message.startsWith('Epoch 2/3 · step 2/3'))).toBe(false);
    const stopped = detail(killed.runId);
    expect(stopped.status).toBe('cancelled');
    expect(stopped.epochs.map((epoch) => epoch.epoch)).toEqual([1]);
    expect(stopped.checkpoints.find((checkpoint) => checkpoint.tag === 'last')?.epoch).toBe(1);

    const { context, reports } = jobContext();
    const result = await trainRunJob({ config: null, resume: String(killed.runId), sweepId: null }, context);
    expect(result.runId).toBe(killed.runId);
    expect(result.outcome).toEqual(uninterrupted.result.outcome);
    // It went on from the checkpoint: the first step it took was epoch 2's first (step 4 of 9).
    const steps = reports.filter((report) => report.message.includes('· step '));
    expect(steps[0]?.message).toMatch(/^Epoch 2\/3 · step 1\/3/);
    expect(steps[0]?.done).toBe(4);
    expect(steps).toHaveLength(6);

    const resumed = detail(killed.runId);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.error).toBeNull();
    expect(resumed.config).toEqual(uninterrupted.detail.config);
    expect(reproducible(resumed.epochs)).toEqual(reproducible(uninterrupted.detail.epochs));
    // Epoch 1 is the record the killed process wrote, not a retrained one.
    expect(resumed.epochs[0]).toEqual(stopped.epochs[0]);

    for (const file of ['adapter_model.safetensors', 'optimizer.safetensors']) {
      const a = checkpointFile(uninterrupted.detail, 'last', file);
      const b = checkpointFile(resumed, 'last', file);
      expect(b.equals(a), `last/${file} differs from the uninterrupted run's`).toBe(true);
    }
    expect(
      checkpointFile(resumed, 'best', 'adapter_model.safetensors').equals(
        checkpointFile(uninterrupted.detail, 'best', 'adapter_model.safetensors'),
      ),
    ).toBe(true);
    const epochsOf = (run: RunDetail): Record<string, number> =>
      Object.fromEntries(run.checkpoints.map((checkpoint) => [checkpoint.tag, checkpoint.epoch]));
    expect(epochsOf(resumed)).toEqual(epochsOf(uninterrupted.detail));
  });

  it('resumes from "last.previous" when a kill left no "last" folder', async () => {
    expect(uninterrupted, 'the reference run failed').toBeDefined();
    const killed = await interruptedRun(cancelAt);
    const stopped = detail(killed.runId);
    const last = path.join(projectDir, stopped.checkpoints.find((checkpoint) => checkpoint.tag === 'last')!.path);
    // A kill between replaceFolder's two renames: the old folder moved aside, the new one not yet in place.
    fs.renameSync(last, `${last}.previous`);
    fs.mkdirSync(`${last}.partial`);
    fs.writeFileSync(path.join(`${last}.partial`, 'adapter_model.safetensors'), 'half written');

    const { context } = jobContext();
    const result = await trainRunJob({ config: null, resume: String(killed.runId), sweepId: null }, context);
    expect(result.outcome).toEqual(uninterrupted.result.outcome);
    const resumed = detail(killed.runId);
    expect(resumed.status).toBe('succeeded');
    expect(reproducible(resumed.epochs)).toEqual(reproducible(uninterrupted.detail.epochs));
    expect(
      checkpointFile(resumed, 'last', 'adapter_model.safetensors').equals(
        checkpointFile(uninterrupted.detail, 'last', 'adapter_model.safetensors'),
      ),
    ).toBe(true);
    expect(fs.existsSync(last)).toBe(true);
    expect(fs.existsSync(`${last}.previous`)).toBe(false);
    expect(fs.existsSync(`${last}.partial`)).toBe(false);
  });
});
