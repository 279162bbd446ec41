/**
 * Zero-shot evaluation end to end through the API: real worker processes, a real project folder
 * with phantom CTs and reports, the lesion-model fixture as the base model, real files written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBridge } from '../../../src/main/api/in-process-bridge';
import type { Workbench } from '../../../src/main/services/workbench';
import { createApiClient, type ApiClient } from '../../../src/shared/api/client';
import { MetricsDocumentSchema, type MetricsDocument } from '../../../src/shared/api/evaluation-schemas';
import { AppError } from '../../../src/shared/errors';
import { jobResult, waitForJob } from '../../helpers/jobs';
import { REPO_ROOT } from '../../helpers/paths';
import { writePhantomDataset } from '../../helpers/phantom-dataset';
import { tempDir } from '../../helpers/temp-dir';
import { testWorkbench } from '../../helpers/workbench';
import { saveAdapter } from '../../../src/main/engine/io/adapter-files';
import { loadCheckpoint } from '../../../src/main/engine/io/model-checkpoint';
import { applyLora } from '../../../src/main/engine/lora/apply-lora';
import { tf } from '../../../src/main/engine/tf';
import Database from 'better-sqlite3';
import { randomizeLora, TEXT_TARGETS } from '../engine/io/ct-vlm-fixtures';

export const LESION_MODEL = path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model');
export const LESION_PRESET = path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model-preset.json');
export const DEMO_TOKENIZER = path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece');
const STUDIES = 12;

let suiteDir: string;
let workbench: Workbench;
let api: ApiClient;
let projectId: string;
let projectPath: string;

async function evaluate(input: Record<string, unknown>): Promise<{ outputDir: string; metrics: MetricsDocument }> {
  const { jobId } = await api.invoke('evaluations.start', {
    projectId,
    task: 'phantom-liver-mass',
    resamples: 200,
    ...input,
  });
  const result = (await jobResult(api, jobId)) as { outputDir: string; metrics: unknown };
  return { outputDir: result.outputDir, metrics: MetricsDocumentSchema.parse(result.metrics) };
}

/** Everything but when it ran and how long it took. */
function numbersOf(metrics: MetricsDocument): unknown {
  const { createdAt: _c, timing: _t, evaluationId: _e, ...rest } = metrics;
  return rest;
}

beforeAll(async () => {
  // Lives for the whole file (tempDir() folders go after each test).
  suiteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-eval-'));
  workbench = testWorkbench({ dataDir: path.join(suiteDir, 'data') });
  api = createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events));
  const project = await api.invoke('projects.create', { name: 'Eval' });
  projectId = project.id;
  projectPath = project.path;
  const { manifest } = writePhantomDataset(path.join(suiteDir, 'dataset'), {
    count: STUDIES,
    seed: 77,
    heldOutLesions: true,
  });
  const { jobId } = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
  expect((await waitForJob(api, jobId)).status).toBe('succeeded');
}, 120_000);

afterAll(async () => {
  await workbench?.close();
  if (suiteDir) fs.rmSync(suiteDir, { recursive: true, force: true });
});

describe('zero-shot evaluation', { timeout: 360_000 }, () => {
  it('asks for a base model before anything runs', async () => {
    const error = await api
      .invoke('evaluations.start', { projectId, task: 'phantom-liver-mass' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toMatch(/has no base model yet: set one with `ctvlm model set-base/);
    expect((await api.invoke('models.base', { projectId })).base).toBeNull();
  });

  it('sets the base model after checking it loads with its tokenizer, copying it into the project', async () => {
    const base = await api.invoke('models.setBase', {
      projectId,
      checkpoint: LESION_MODEL,
      tokenizer: DEMO_TOKENIZER,
      preset: LESION_PRESET,
    });
    expect(base).toMatchObject({ modelId: 'ctvlm-tiny-lesion-fixture', preset: 'small-soft-tissue' });
    expect(fs.existsSync(path.join(projectPath, base.path, 'model.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(projectPath, base.path, 'tokenizer', 'tokenizer.json'))).toBe(true);
    expect((await api.invoke('models.base', { projectId })).base).toEqual(base);
  });

  it('refuses a tokenizer folder without tokenizer.json, leaving the base model as it was', async () => {
    const before = (await api.invoke('models.base', { projectId })).base;
    await expect(
      api.invoke('models.setBase', { projectId, checkpoint: LESION_MODEL, tokenizer: tempDir(), preset: 'tiny' }),
    ).rejects.toThrow(/No tokenizer.json in/);
    expect((await api.invoke('models.base', { projectId })).base).toEqual(before);
  });

  it('writes metrics.json and predictions.csv, and records the same numbers in the project', async () => {
    const { outputDir, metrics } = await evaluate({});
    expect(metrics.studies).toBe(STUDIES);
    expect(metrics.model).toMatchObject({ kind: 'base', label: 'base', modelId: 'ctvlm-tiny-lesion-fixture' });
    const [mass] = metrics.classification.perClass;
    expect(mass?.name).toBe('liver_mass');
    expect((mass?.support ?? 0) + (mass?.negatives ?? 0)).toBe(STUDIES);
    // Masses the fixture never saw, half of the studies: a model trained to see them scores high.
    expect(mass?.support).toBe(STUDIES / 2);
    expect(mass?.auroc.estimate).toBeGreaterThan(0.8);
    expect(mass?.auroc.lower).not.toBeNull();
    const cosine = metrics.retrieval?.meanMatchedCosine;
    expect(cosine?.lower ?? 1).toBeLessThan(cosine?.upper ?? 0); // the resamples were applied
    expect(metrics.retrieval?.n).toBe(STUDIES);
    expect(metrics.retrieval?.whole.candidates).toBe(STUDIES);

    const onDisk = MetricsDocumentSchema.parse(
      JSON.parse(fs.readFileSync(path.join(outputDir, 'metrics.json'), 'utf8')),
    );
    expect(onDisk.evaluationId).toBe(metrics.evaluationId);
    const stored = await api.invoke('evaluations.get', { projectId, evaluationId: metrics.evaluationId ?? 0 });
    expect(numbersOf(stored)).toEqual(numbersOf(onDisk));

    const csv = fs.readFileSync(path.join(outputDir, 'predictions.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('study_id,class,label,score,pred');
    expect(csv).toHaveLength(STUDIES + 1);
    const predictions = await api.invoke('evaluations.predictions', {
      projectId,
      evaluationId: metrics.evaluationId ?? 0,
    });
    expect(predictions.total).toBe(STUDIES);
    for (const row of predictions.predictions) {
      expect(row.pred).toBe(row.score > 0.5 ? 1 : 0); // argmax: positive when pos > neg
      expect(csv).toContain(`${row.studyUid},liver_mass,${row.label ?? ''},${row.score.toPrecision(9)},${row.pred}`);
    }
    const confusion = mass?.confusion ?? { tp: 0, fp: 0, tn: 0, fn: 0 };
    const predicted = predictions.predictions.filter((row) => row.pred === 1 && row.label === 1).length;
    expect(confusion.tp).toBe(predicted);

    const projections = JSON.parse(fs.readFileSync(path.join(outputDir, 'projections.json'), 'utf8')) as {
      methods: Record<string, { points: unknown[] }>;
    };
    expect(Object.keys(projections.methods).sort()).toEqual(['pca', 'tsne', 'umap']);
    expect(projections.methods.umap?.points).toHaveLength(2 * STUDIES); // images and reports
  });

  it('gives identical numbers for the same seed, and other CIs for another seed', async () => {
    const first = await evaluate({ seed: 5, projections: false });
    const again = await evaluate({ seed: 5, projections: false });
    const other = await evaluate({ seed: 6, projections: false });
    expect(numbersOf(again.metrics)).toEqual(numbersOf(first.metrics));
    const auroc = (m: MetricsDocument) => m.classification.perClass[0]?.auroc;
    const cosine = (m: MetricsDocument) => m.retrieval?.meanMatchedCosine;
    expect(auroc(other.metrics)?.estimate).toBe(auroc(first.metrics)?.estimate); // no randomness in the estimate
    expect(cosine(other.metrics)?.estimate).toBe(cosine(first.metrics)?.estimate);
    expect(cosine(other.metrics)?.lower).not.toBe(cosine(first.metrics)?.lower); // other resamples
  });

  it('reports a class without any positive study as undefined, not as a crash', async () => {
    const task = path.join(tempDir(), 'never.json');
    fs.writeFileSync(
      task,
      JSON.stringify({
        name: 'never-and-mass',
        kind: 'multilabel',
        templates: { positive: ['{p} is present.'], negative: ['{p} is not present.'] },
        threshold: { kind: 'youden' },
        classes: [
          { name: 'never', phrase: 'Liver mass' },
          { name: 'liver_mass', phrase: 'Liver mass' },
        ],
      }),
    );
    const { metrics } = await evaluate({ task, projections: false });
    const never = metrics.classification.perClass.find((c) => c.name === 'never');
    expect(never?.support).toBe(0);
    expect(never?.auroc.estimate).toBeNull();
    expect(never?.recall.estimate).toBeNull();
    expect(never?.note).toMatch(/Only one class is present/);
    expect(metrics.classification.overall.kind).toBe('multilabel');
    if (metrics.classification.overall.kind === 'multilabel') {
      // Macro AUROC over the classes where it is defined: liver_mass alone.
      expect(metrics.classification.overall.auroc.macro.estimate).toBeCloseTo(
        metrics.classification.perClass[1]?.auroc.estimate ?? NaN,
        12,
      );
    }
  });

  it('lists evaluations for the comparison table and serves projections and similarity matrices', async () => {
    const { evaluations } = await api.invoke('evaluations.list', { projectId, task: 'phantom-liver-mass' });
    expect(evaluations.length).toBeGreaterThanOrEqual(4);
    expect(evaluations.every((row) => row.task === 'phantom-liver-mass' && row.headline.averaging === 'binary')).toBe(
      true,
    );
    const withProjections = evaluations[0]!;
    const pca = await api.invoke('evaluations.projection', {
      projectId,
      evaluationIds: [withProjections.id],
      method: 'pca',
    });
    expect(pca.points).toHaveLength(2 * STUDIES);
    expect(pca.points.filter((p) => p.modality === 'report')).toHaveLength(STUDIES);
    const joint = await api.invoke('evaluations.projection', {
      projectId,
      evaluationIds: [evaluations[0]!.id, evaluations[1]!.id],
      method: 'pca',
    });
    expect(new Set(joint.points.map((p) => p.evaluationId)).size).toBe(2);
    const matrix = await api.invoke('evaluations.similarity', {
      projectId,
      evaluationId: withProjections.id,
      kind: 'image-report',
      orderBy: 'liver_mass',
    });
    expect(matrix.values).toHaveLength(STUDIES * STUDIES);
    expect(matrix.groups.map((g) => g.label)).toEqual(['liver_mass=0', 'liver_mass=1']);
    expect(Math.max(...matrix.values)).toBeLessThanOrEqual(1 + 1e-6);
  });

  it("evaluates an adapter, and a training run's best checkpoint, on the same base", async () => {
    await tf.setBackend('cpu');
    const { model, modelId, sha256 } = await loadCheckpoint(LESION_MODEL);
    applyLora(model, { targets: TEXT_TARGETS, kind: 'lora', rank: 2, alpha: 4, dropout: 0 });
    randomizeLora(model, 9);
    const folder = path.join(tempDir(), 'text-lora');
    saveAdapter(model, folder, { baseModelId: modelId, baseSha256: sha256, name: 'text-lora' });
    model.dispose();
    const adapter = await api.invoke('adapters.import', { projectId, folder });

    const base = await evaluate({ seed: 5, projections: false });
    const adapted = await evaluate({ seed: 5, projections: false, source: { kind: 'adapter', adapter: 'text-lora' } });
    expect(adapted.metrics.model).toMatchObject({ kind: 'adapter', label: 'text-lora' });
    expect(adapted.metrics.model.adapterSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(adapter.name).toBe('text-lora');
    const scores = (m: MetricsDocument) => m.classification.perClass[0]?.roc?.thresholds.slice(1);
    expect(scores(adapted.metrics)).not.toEqual(scores(base.metrics)); // the adapter changes the text tower

    // What a finished PEFT run leaves (written by the training issue): a run row and its best checkpoint.
    const db = new Database(path.join(projectPath, 'project.sqlite'));
    try {
      const now = new Date().toISOString();
      const runId = Number(
        db
          .prepare(
            "INSERT INTO runs (name, method, config_json, status, created_at) VALUES ('peft-run', 'peft', '{}', 'succeeded', ?)",
          )
          .run(now).lastInsertRowid,
      );
      db.prepare(
        "INSERT INTO checkpoints (run_id, epoch, tag, path, sha256, size_bytes, created_at) VALUES (?, 3, 'best', 'files/adapters/text-lora', 'x', 1, ?)",
      ).run(runId, now);
    } finally {
      db.close();
    }
    const fromRun = await evaluate({ seed: 5, projections: false, source: { kind: 'run', run: 'peft-run' } });
    expect(fromRun.metrics.model).toMatchObject({ kind: 'run', label: 'peft-run' });
    expect(fromRun.metrics.classification).toEqual(adapted.metrics.classification);
  });

  it('uses the active adapter where no model is named; an explicit base still means base', async () => {
    const listed = (await api.invoke('adapters.list', { projectId })).adapters;
    const textLora = listed.find((row) => row.name === 'text-lora');
    if (!textLora) throw new Error('the previous test imports text-lora');
    expect(listed.every((row) => !row.active)).toBe(true);

    const activated = (await api.invoke('adapters.activate', { projectId, adapterId: textLora.id })).adapters;
    expect(activated.filter((row) => row.active).map((row) => row.name)).toEqual(['text-lora']);
    expect((await api.invoke('adapters.list', { projectId })).adapters).toEqual(activated);

    const byDefault = await evaluate({ seed: 5, projections: false });
    expect(byDefault.metrics.model).toMatchObject({ kind: 'adapter', label: 'text-lora' });
    const explicitBase = await evaluate({ seed: 5, projections: false, source: { kind: 'base' } });
    expect(explicitBase.metrics.model).toMatchObject({ kind: 'base', label: 'base' });
    const gradcam = await api.invoke('gradcam.start', { projectId, study: 1, text: 'Liver mass is present.' });
    const map = (await jobResult(api, gradcam.jobId)) as { file: string };
    expect(path.basename(map.file)).toMatch(/-text-lora-\d+\.nii\.gz$/);

    // Cleared: the base model is the default again.
    const cleared = (await api.invoke('adapters.activate', { projectId, adapterId: null })).adapters;
    expect(cleared.some((row) => row.active)).toBe(false);
    expect((await evaluate({ seed: 5, projections: false })).metrics.model.kind).toBe('base');

    // Deleting the active adapter clears it, and an unknown adapter is refused.
    const copy = await api.invoke('adapters.import', {
      projectId,
      folder: path.join(projectPath, 'files', 'adapters', 'text-lora'),
      name: 'text-lora-copy',
    });
    await api.invoke('adapters.activate', { projectId, adapterId: copy.id });
    await api.invoke('adapters.delete', { projectId, adapterId: copy.id });
    expect((await api.invoke('adapters.list', { projectId })).adapters.some((row) => row.active)).toBe(false);
    expect((await evaluate({ seed: 5, projections: false })).metrics.model.kind).toBe('base');
    const unknown = await api.invoke('adapters.activate', { projectId, adapterId: 999 }).catch((e: unknown) => e);
    expect((unknown as AppError).message).toMatch(/no adapter with id 999/);
  });

  it('refuses a results folder holding other files, and an unknown run', async () => {
    const busy = tempDir();
    fs.writeFileSync(path.join(busy, 'thesis.docx'), 'keep me');
    const { jobId } = await api.invoke('evaluations.start', { projectId, task: 'phantom-liver-mass', outputDir: busy });
    const job = await waitForJob(api, jobId);
    expect(job.status).toBe('failed');
    expect(job.error?.message).toMatch(/holds other files \(thesis.docx\)/);
    expect(fs.readFileSync(path.join(busy, 'thesis.docx'), 'utf8')).toBe('keep me');
    const run = await api.invoke('evaluations.start', {
      projectId,
      task: 'phantom-liver-mass',
      source: { kind: 'run', run: 'nope' },
    });
    const failed = await waitForJob(api, run.jobId);
    expect(failed.error?.message).toMatch(/no training run "nope"/);
  });
});
