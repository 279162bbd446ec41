import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveAdapter } from '../../../src/main/engine/io/adapter-files';
import { loadCheckpoint, saveCheckpoint, type CheckpointInfo } from '../../../src/main/engine/io/model-checkpoint';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../../src/main/engine/io/peft-adapter';
import { loadAdapterInto } from '../../../src/main/engine/io/adapter-files';
import { applyLora } from '../../../src/main/engine/lora/apply-lora';
import { loraLayers } from '../../../src/main/engine/lora/lora-modules';
import { CtVlm } from '../../../src/main/engine/models/ctvlm/ct-vlm';
import { tf } from '../../../src/main/engine/tf';
import { projectDbPath } from '../../../src/main/store/project-store';
import { AppError } from '../../../src/shared/errors';
import { tempDir } from '../../helpers/temp-dir';
import { withApiClient } from '../../helpers/workbench';
import {
  expectSameOutputs,
  IMAGE_TARGETS,
  outputs,
  randomizeAll,
  randomizeLora,
  TEST_MODEL,
  TEXT_TARGETS,
} from '../engine/io/ct-vlm-fixtures';

async function refusal(action: () => Promise<unknown>): Promise<AppError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

/** A base checkpoint and a PEFT adapter folder (LoRA on text attention and ConvLoRA on image conv2). */
function trained(dir: string): { base: CheckpointInfo; adapter: string; trainableParams: number } {
  const model = new CtVlm(TEST_MODEL);
  randomizeAll(model, 21);
  const base = saveCheckpoint(model, path.join(dir, 'base'), { modelId: 'tiny-base' });
  applyLora(model, { targets: TEXT_TARGETS, kind: 'lora', rank: 2, alpha: 4, dropout: 0 });
  applyLora(model, { targets: IMAGE_TARGETS, kind: 'conv-lora', rank: 2, alpha: 4, dropout: 0 });
  randomizeLora(model, 22);
  const saved = saveAdapter(model, path.join(dir, 'liver-lora'), {
    baseModelId: base.modelId,
    baseSha256: base.sha256,
    name: 'liver-lora',
  });
  model.dispose();
  return { base, adapter: saved.folder, trainableParams: saved.trainableParams };
}

describe('adapters through the API', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('imports, lists, exports, merges and deletes an adapter', async () => {
    const dir = tempDir();
    const { base, adapter, trainableParams } = trained(dir);
    await withApiClient(async (api) => {
      const project = await api.invoke('projects.create', { name: 'Liver' });
      const row = await api.invoke('adapters.import', { projectId: project.id, folder: adapter });
      const stored = path.join(project.path, 'files', 'adapters', 'liver-lora');
      const weights = fs.readFileSync(path.join(adapter, ADAPTER_WEIGHTS_FILE));
      expect(row).toMatchObject({
        name: 'liver-lora',
        baseModel: 'tiny-base',
        baseModelSha256: base.sha256,
        sizeBytes: weights.length,
        trainableParams,
        rank: 2,
        alpha: 4,
        runId: null,
        sizeRatio: null,
      });
      expect(trainableParams).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(stored, ADAPTER_WEIGHTS_FILE)).equals(weights)).toBe(true);
      expect((await api.invoke('projects.get', { projectId: project.id })).counts.adapters).toBe(1);

      // once the project knows the base checkpoint, the size ratio is reported
      const db = new Database(projectDbPath(project.path));
      const now = new Date().toISOString();
      const run = db
        .prepare(
          "INSERT INTO runs (name, method, config_json, status, created_at) VALUES ('r', 'lora', '{}', 'succeeded', ?)",
        )
        .run(now);
      db.prepare(
        "INSERT INTO checkpoints (run_id, epoch, tag, path, sha256, size_bytes, created_at) VALUES (?, 0, 'base', 'files/base', ?, ?, ?)",
      ).run(run.lastInsertRowid, base.sha256, base.sizeBytes, now);
      db.close();
      const [listed] = (await api.invoke('adapters.list', { projectId: project.id })).adapters;
      expect(listed?.baseCheckpointSizeBytes).toBe(base.sizeBytes);
      expect(listed?.sizeRatio).toBeCloseTo(weights.length / base.sizeBytes, 12);
      expect(listed?.sizeRatio).toBeLessThan(1);

      // a second import under the same name is refused
      const clash = await refusal(() => api.invoke('adapters.import', { projectId: project.id, folder: adapter }));
      expect(clash.message).toMatch(/already has an adapter named "liver-lora"/);

      // export: the same bytes; a non-empty folder is refused
      const out = path.join(dir, 'exported');
      await api.invoke('adapters.export', { projectId: project.id, adapterId: row.id, folder: out });
      for (const file of [ADAPTER_WEIGHTS_FILE, ADAPTER_CONFIG_FILE]) {
        expect(fs.readFileSync(path.join(out, file)).equals(fs.readFileSync(path.join(adapter, file))), file).toBe(
          true,
        );
      }
      const again = await refusal(() =>
        api.invoke('adapters.export', { projectId: project.id, adapterId: row.id, folder: out }),
      );
      expect(again.message).toMatch(/is not empty/);

      // merge: a standalone checkpoint with the outputs of base + adapter
      const mergedDir = path.join(dir, 'merged');
      const merged = await api.invoke('adapters.merge', {
        projectId: project.id,
        adapterId: row.id,
        baseCheckpoint: base.folder,
        output: mergedDir,
      });
      expect(merged).toMatchObject({ path: mergedDir, modelId: 'tiny-base+liver-lora' });
      const standalone = await loadCheckpoint(mergedDir);
      expect(standalone.sha256).toBe(merged.sha256);
      const adapted = await loadCheckpoint(base.folder);
      loadAdapterInto(adapted.model, adapter, { modelId: adapted.modelId, sha256: adapted.sha256 });
      const unmerged = outputs(adapted.model);
      loraLayers(adapted.model).forEach(([, layer]) => layer.merge());
      const mergedOutputs = outputs(standalone.model);
      expectSameOutputs(mergedOutputs, outputs(adapted.model)); // W + ΔW, bit for bit
      mergedOutputs.image.forEach((value, i) => expect(value).toBeCloseTo(unmerged.image[i] ?? NaN, 5));
      mergedOutputs.text.forEach((value, i) => expect(value).toBeCloseTo(unmerged.text[i] ?? NaN, 5));
      standalone.model.dispose();
      adapted.model.dispose();

      // merging onto another checkpoint is refused, naming the mismatch
      const wrongBase = await refusal(() =>
        api.invoke('adapters.merge', {
          projectId: project.id,
          adapterId: row.id,
          baseCheckpoint: mergedDir,
          output: path.join(dir, 'merged-again'),
        }),
      );
      expect(wrongBase.code).toBe('ADAPTER_BASE_MISMATCH');
      expect(wrongBase.message).toContain(base.sha256);

      // delete: row and folder gone
      expect(await api.invoke('adapters.delete', { projectId: project.id, adapterId: row.id })).toEqual({
        deleted: true,
        name: 'liver-lora',
      });
      expect((await api.invoke('adapters.list', { projectId: project.id })).adapters).toEqual([]);
      expect(fs.existsSync(stored)).toBe(false);
      const gone = await refusal(() => api.invoke('adapters.delete', { projectId: project.id, adapterId: row.id }));
      expect(gone.message).toMatch(new RegExp(`no adapter with id ${row.id}`));
    });
  });

  it('refuses a corrupt adapter_model.safetensors on import with a clear error, registering nothing', async () => {
    const dir = tempDir();
    const { adapter } = trained(dir);
    const weights = path.join(adapter, ADAPTER_WEIGHTS_FILE);
    const bytes = fs.readFileSync(weights);
    bytes.writeBigUInt64LE(0xffff_ffff_ffffn, 0); // a header length no file could hold
    fs.writeFileSync(weights, bytes);
    await withApiClient(async (api) => {
      const project = await api.invoke('projects.create', { name: 'Liver' });
      const error = await refusal(() =>
        api.invoke('adapters.import', { projectId: project.id, folder: adapter, name: 'broken' }),
      );
      expect(error.kind).toBe('user');
      expect(error.message).toContain(weights);
      expect(error.message).toMatch(/not a valid safetensors file/);
      expect((await api.invoke('adapters.list', { projectId: project.id })).adapters).toEqual([]);
      expect(fs.existsSync(path.join(project.path, 'files', 'adapters', 'broken'))).toBe(false);

      const badName = await refusal(() =>
        api.invoke('adapters.import', { projectId: project.id, folder: adapter, name: '../escape' }),
      );
      expect(badName.code).toBe('INVALID_INPUT');
    });
  });
});
