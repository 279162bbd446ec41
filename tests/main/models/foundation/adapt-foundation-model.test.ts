/**
 * Adapting an imported Merlin or CT-CLIP inside a project, end to end: the small parity
 * checkpoints are imported into a model library with the real import code, installed as a
 * project's base model (`models.setBase` with `library`), trained with each arch's paper preset
 * (`peft`) for 2 epochs on a tiny phantom cohort in real worker processes, evaluated on the base
 * and on the run's adapter, and explained with Grad-CAM; then, in this process, the best adapter
 * is put back on the project's base weights and reproduces the evaluation's embeddings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBridge } from '../../../../src/main/api/in-process-bridge';
import { encodeVolumes, volumeBatch } from '../../../../src/main/engine/eval/encode-batches';
import { loadAdapterInto } from '../../../../src/main/engine/io/adapter-files';
import { openSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { CtClip } from '../../../../src/main/engine/models/ctclip/ct-clip';
import { MEDCT_VLM_LORA, loraCountFromShapes } from '../../../../src/main/engine/models/ctclip/medct-vlm-lora';
import { Merlin } from '../../../../src/main/engine/models/merlin/merlin';
import { hccMerlinParameterCounts } from '../../../../src/main/engine/models/merlin/hcc-merlin-peft';
import { tf } from '../../../../src/main/engine/tf';
import { preprocessedStudy, projectVolumeCache } from '../../../../src/main/evaluation/study-volumes';
import { imageInput } from '../../../../src/main/models/foundation/foundation-arch';
import { importFoundationModel } from '../../../../src/main/models/foundation/import-foundation-model';
import { readModelFolder } from '../../../../src/main/models/foundation/model-library';
import { loadBaseModel } from '../../../../src/main/models/load-base-model';
import type { Workbench } from '../../../../src/main/services/workbench';
import { getBaseModel } from '../../../../src/main/store/repositories/base-model-repository';
import { listEvaluationStudies } from '../../../../src/main/store/repositories/evaluation-study-repository';
import { openProject } from '../../../../src/main/store/project-store';
import { TINY_PRESET } from '../../../../src/main/volumes/presets';
import type { Preset } from '../../../../src/main/volumes/preset-schema';
import { createApiClient, type ApiClient } from '../../../../src/shared/api/client';
import type { AppError } from '../../../../src/shared/errors';
import { jobResult } from '../../../helpers/jobs';
import { writePhantomDataset } from '../../../helpers/phantom-dataset';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import { testWorkbench } from '../../../helpers/workbench';
import { FOUNDATION_FIXTURES, PARITY_DIR, type ParityArch } from './parity-volumes';

/** Presets whose output the small models read: Merlin's ResNet any size, CT-CLIP's CTViT 12x12 slices. */
const TEST_PRESETS: Record<ParityArch, Preset> = {
  merlin: {
    ...TINY_PRESET,
    name: 'merlin-small-test',
    layout: { shape: [1, 64, 64, 32], axes: 'CXYZ' },
  },
  ctclip: {
    ...TINY_PRESET,
    name: 'ctclip-small-test',
    spacing: { mm: [32, 32, 40], grid: 'monai-spacing' },
    intensity: { huWindow: [-1000, 1000], outputRange: [-1, 1], clip: 'after-resampling' },
    output: { size: [12, 12, 8], padValue: -1 },
    layout: { shape: [1, 8, 12, 12], axes: 'CZXY' },
  },
};

const QUICK = {
  epochs: 2,
  batchSize: 4,
  earlyStopping: null,
  validationTask: 'phantom-liver-mass',
  optimizer: { learningRate: 5e-3 },
};

let suiteDir = '';
let workbench: Workbench;
let api: ApiClient;
const projects: Partial<Record<ParityArch, { id: string; path: string }>> = {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  suiteDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'ctvlm-adapt-'));
  const dataDir = path.join(suiteDir, 'data');
  const quiet = { progress: () => undefined, throwIfCancelled: () => undefined };
  for (const arch of ['merlin', 'ctclip'] as const) {
    await importFoundationModel(
      dataDir,
      {
        file: path.join(PARITY_DIR, `${arch}-small`, 'model.safetensors'),
        arch,
        config: path.join(FOUNDATION_FIXTURES, `${arch}-small-config.json`),
        tokenizer: path.join(FOUNDATION_FIXTURES, `${arch}-tokenizer`),
        name: `${arch}-small`,
      },
      quiet,
    );
    fs.writeFileSync(path.join(suiteDir, `${arch}-preset.json`), JSON.stringify(TEST_PRESETS[arch]));
  }
  workbench = testWorkbench({ dataDir });
  api = createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events));
  const { manifest } = writePhantomDataset(path.join(suiteDir, 'dataset'), { count: 16, seed: 7, split: 'assign' });
  for (const arch of ['merlin', 'ctclip'] as const) {
    const project = await api.invoke('projects.create', { name: `Adapt ${arch}` });
    projects[arch] = { id: project.id, path: project.path };
    const { jobId } = await api.invoke('datasets.import', { projectId: project.id, manifestPath: manifest });
    await jobResult(api, jobId);
  }
}, 180_000);

afterAll(async () => {
  await workbench?.close();
  if (suiteDir) fs.rmSync(suiteDir, { recursive: true, force: true });
});

describe('a library model as a project base', { timeout: 300_000 }, () => {
  it('refuses a library model with a preset it cannot read, and an unknown or ambiguous request', async () => {
    const project = projects.ctclip!;
    const wrongSize = await api
      .invoke('models.setBase', { projectId: project.id, library: 'ctclip-small', preset: 'tiny' })
      .catch((e: unknown) => e);
    expect((wrongSize as AppError).message).toMatch(
      /makes 64x64x32 volumes, but ctclip-parity-small reads 12x12 slices/,
    );
    const unknown = await api
      .invoke('models.setBase', { projectId: project.id, library: 'no-such-model' })
      .catch((e: unknown) => e);
    expect((unknown as AppError).message).toMatch(/No imported model "no-such-model"; the library has ctclip-small/);
    const both = await api
      .invoke('models.setBase', { projectId: project.id, library: 'ctclip-small', checkpoint: suiteDir })
      .catch((e: unknown) => e);
    expect((both as AppError).message).toMatch(/either a library model or a checkpoint folder/);
    const asCheckpoint = await api
      .invoke('models.setBase', {
        projectId: project.id,
        checkpoint: path.join(suiteDir, 'data', 'models', 'ctclip-small'),
        tokenizer: path.join(suiteDir, 'data', 'models', 'ctclip-small', 'tokenizer'),
        preset: 'tiny',
      })
      .catch((e: unknown) => e);
    expect((asCheckpoint as AppError).message).toMatch(/is a ctclip model folder: .* --library ID/);
    expect((await api.invoke('models.base', { projectId: project.id })).base).toBeNull();
  });

  for (const arch of ['merlin', 'ctclip'] as const) {
    it(`${arch}: set as base, trained with the paper's preset, evaluated, explained, and its adapter reloads`, async () => {
      const project = projects[arch]!;
      const library = readModelFolder(path.join(suiteDir, 'data', 'models', `${arch}-small`));
      const base = await api.invoke('models.setBase', {
        projectId: project.id,
        library: `${arch}-small`,
        preset: path.join(suiteDir, `${arch}-preset.json`),
      });
      expect(base).toMatchObject({ modelId: `${arch}-small`, sha256: library.record.weights.sha256 });
      expect(base.preset).toBe(TEST_PRESETS[arch].name);
      const installed = path.join(project.path, base.path);
      expect(fs.readdirSync(installed).sort()).toEqual([
        'config.json',
        'import.json',
        'model.safetensors',
        'tokenizer',
      ]);
      expect(JSON.parse(fs.readFileSync(path.join(installed, 'import.json'), 'utf8'))).toMatchObject({
        arch,
        source: { sha256: library.record.source.sha256 },
      });

      // Methods that would write whole checkpoints are refused before anything is recorded.
      const full = await api
        .invoke('runs.start', { projectId: project.id, config: { ...QUICK, method: 'full' } })
        .catch((e: unknown) => e);
      expect((full as AppError).code).toBe('RUN_CONFIG_INVALID');
      expect((full as AppError).message).toMatch(new RegExp(`Method "full" does not fit the project's ${arch} base`));
      if (arch === 'ctclip') {
        const ranks = await api
          .invoke('runs.start', {
            projectId: project.id,
            config: { ...QUICK, imageLora: { rank: 4, alpha: 4, dropout: 0, targets: ['to_q'] } },
          })
          .catch((e: unknown) => e);
        expect((ranks as AppError).code).toBe('RUN_CONFIG_INVALID');
        expect((ranks as AppError).message).toMatch(/applies MedCT-VLM's LoRA preset .* imageLora cannot be set/);
      }
      expect((await api.invoke('runs.list', { projectId: project.id })).runs).toEqual([]);

      const { jobId } = await api.invoke('runs.start', { projectId: project.id, config: { ...QUICK, name: 'paper' } });
      const result = (await jobResult(api, jobId)) as { outcome: { epochs: number } };
      expect(result.outcome.epochs).toBe(2);
      const run = await api.invoke('runs.get', { projectId: project.id, run: 'paper' });
      expect(run.status).toBe('succeeded');
      expect(run.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2]);
      for (const epoch of run.epochs) {
        expect(Number.isFinite(epoch.trainLoss)).toBe(true);
        expect(epoch.valLoss !== null && Number.isFinite(epoch.valLoss)).toBe(true);
      }
      // The paper preset's trainable parameters, counted from the config's shapes alone.
      const expected =
        library.foundation.arch === 'merlin'
          ? hccMerlinParameterCounts(library.foundation.config).trainable
          : loraCountFromShapes(library.foundation.config, MEDCT_VLM_LORA.vision).parameters +
            loraCountFromShapes(library.foundation.config, MEDCT_VLM_LORA.text).parameters;
      expect(run.trainableParameters).toBe(expected);
      if (arch === 'merlin')
        expect(run.epochs[1]!.temperature).not.toBe(1); // logit_scale trains (HCC)
      else expect(run.epochs[1]!.temperature).toBeCloseTo(1, 6); // MedCT-VLM trains LoRA only
      const best = run.checkpoints.find((checkpoint) => checkpoint.tag === 'best');
      expect(best).toBeDefined();
      const bestFolder = path.join(project.path, best!.path);
      expect(fs.readdirSync(bestFolder)).toContain('adapter_model.safetensors');

      const evaluate = async (source: { kind: 'base' } | { kind: 'run'; run: string }): Promise<string> => {
        const started = await api.invoke('evaluations.start', {
          projectId: project.id,
          source,
          task: 'phantom-liver-mass',
          split: 'val',
          resamples: 10,
          projections: false,
        });
        return ((await jobResult(api, started.jobId)) as { outputDir: string }).outputDir;
      };
      const onBase = readImageEmbeddings(await evaluate({ kind: 'base' }));
      const onRun = readImageEmbeddings(await evaluate({ kind: 'run', run: 'paper' }));
      expect(onRun.studyIds).toEqual(onBase.studyIds);
      expect(maxAbsDiff(onRun.values, onBase.values)).toBeGreaterThan(1e-4); // training changed the embeddings

      const gradcam = await api.invoke('gradcam.start', {
        projectId: project.id,
        study: onRun.studyIds[0]!,
        text: 'Liver mass.',
        source: { kind: 'run', run: 'paper' },
      });
      const map = (await jobResult(api, gradcam.jobId)) as { file: string; similarity: number; featureDims: number[] };
      expect(fs.existsSync(map.file)).toBe(true);
      expect(Number.isFinite(map.similarity)).toBe(true);
      expect(map.featureDims).toEqual(arch === 'merlin' ? [2, 2, 2] : [3, 3, 4]);

      // In this process: the best adapter on the project's base weights gives the run's embeddings;
      // it is refused on other weights; nothing leaks.
      const opened = openProject(project.path, { mode: 'read' });
      try {
        const record = getBaseModel(opened)!;
        const studies = listEvaluationStudies(opened.db, 'val', null);
        const cache = projectVolumeCache(opened);
        const volumes: Float32Array[] = [];
        for (const study of studies) volumes.push((await preprocessedStudy(opened, cache, study, record.preset)).data);
        expect(studies.map((study) => study.id)).toEqual(onRun.studyIds);
        await expectNoTensorLeak(async () => {
          const { model, sha256 } = await loadBaseModel(path.join(project.path, record.path));
          try {
            model.eval();
            const dims = record.preset.output.size;
            const before = await encodeVolumes(model, volumes, dims);
            expect(maxAbsDiff(before, onBase.values)).toBeLessThan(1e-4);
            // The workbench layout gives what `ctvlm embed` feeds the model (its parity-tested input),
            // and Grad-CAM's target layer composes back into the same embedding.
            const [viaEmbed, viaFeatures] = tf.tidy(() => {
              const input = imageInput(library.foundation, volumes[0]!, dims, 'study');
              const own = model instanceof Merlin || model instanceof CtClip ? model.encodeImage(input) : input;
              return [own, model.embedImageFeatures(model.imageFeatures(volumeBatch([volumes[0]!], dims)))];
            });
            expect(maxAbsDiff(await viaEmbed.data<'float32'>(), before.subarray(0, model.embedDim))).toBeLessThan(1e-5);
            expect(maxAbsDiff(await viaFeatures.data<'float32'>(), before.subarray(0, model.embedDim))).toBeLessThan(
              1e-5,
            );
            tf.dispose([viaEmbed, viaFeatures]);
            expect(() =>
              loadAdapterInto(model, bestFolder, { modelId: record.modelId, sha256: 'f'.repeat(64) }),
            ).toThrow(/sha256|different|base/i);
            loadAdapterInto(model, bestFolder, { modelId: record.modelId, sha256 });
            const after = await encodeVolumes(model, volumes, record.preset.output.size);
            expect(maxAbsDiff(after, onRun.values)).toBeLessThan(1e-4);
            expectUnitRows(after, model.embedDim);
          } finally {
            model.dispose();
          }
        });
      } finally {
        opened.close();
      }
    });
  }
});

function readImageEmbeddings(outputDir: string): { studyIds: number[]; values: Float32Array } {
  const index = JSON.parse(fs.readFileSync(path.join(outputDir, 'embeddings.json'), 'utf8')) as {
    studies: Array<{ studyId: number }>;
  };
  const file = openSafetensors(path.join(outputDir, 'embeddings.safetensors'));
  try {
    const image = file.read('image');
    return {
      studyIds: index.studies.map((study) => study.studyId),
      values: Float32Array.from(image.data as Float32Array),
    };
  } finally {
    file.close();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

function expectUnitRows(values: Float32Array, dim: number): void {
  for (let row = 0; row < values.length / dim; row += 1) {
    let sum = 0;
    for (let d = 0; d < dim; d += 1) sum += (values[row * dim + d] ?? 0) ** 2;
    expect(Math.sqrt(sum)).toBeCloseTo(1, 4);
  }
}
