/**
 * What an evaluation or a Grad-CAM runs on, resolved inside a project: the base model, the base
 * model with one of the project's adapters, or a training run's best (else last) checkpoint, which
 * is an adapter folder for PEFT runs and a full checkpoint folder otherwise. Loading attaches the
 * adapter (refused unless it was trained on these exact base weights) and puts the model in eval mode.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ModelSource } from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';
import { loadAdapterInto } from '../engine/io/adapter-files';
import { CHECKPOINT_CONFIG_FILE } from '../engine/io/checkpoint-config';
import { ADAPTER_CONFIG_FILE } from '../engine/io/peft-adapter';
import type { ContrastiveModel } from '../engine/models/contrastive-model';
import { loadBaseModel } from '../models/load-base-model';
import { findAdapterByName, getAdapterRecord } from '../store/repositories/adapter-repository';
import { getBaseModel } from '../store/repositories/base-model-repository';
import { findRunCheckpoint } from '../store/repositories/run-checkpoint-repository';
import type { Project } from '../store/project-store';
import { loadTokenizer, type TextTokenizer } from '../text/tokenizer';
import type { Preset } from '../volumes/preset-schema';

export interface ResolvedModelSource {
  kind: ModelSource['kind'];
  label: string;
  baseModelId: string;
  baseSha256: string;
  /** The base checkpoint folder (for a full-fine-tuning run: the run's checkpoint). */
  checkpointDir: string;
  adapterDir: string | null;
  adapterSha256: string | null;
  tokenizerDir: string;
  preset: Preset;
  /** When the run's checkpoint replaces the base weights. */
  replacesBase: boolean;
}

export interface EvaluatedModel {
  model: ContrastiveModel;
  tokenizer: TextTokenizer;
  modelId: string;
}

export function resolveModelSource(project: Project, source: ModelSource): ResolvedModelSource {
  const base = getBaseModel(project);
  if (!base) {
    throw new UserError(
      'INVALID_INPUT',
      `The project "${project.meta.name}" has no base model yet: set one with \`ctvlm model set-base ${project.dir} CHECKPOINT_DIR --tokenizer DIR --preset NAME\`.`,
    );
  }
  const common = {
    baseModelId: base.modelId,
    baseSha256: base.sha256,
    checkpointDir: path.join(project.dir, base.path),
    tokenizerDir: path.join(project.dir, base.tokenizerPath),
    preset: base.preset,
  };
  if (source.kind === 'base') {
    return { ...common, kind: 'base', label: 'base', adapterDir: null, adapterSha256: null, replacesBase: false };
  }
  if (source.kind === 'adapter') {
    const byId = /^\d+$/.test(source.adapter) ? Number(source.adapter) : null;
    const record =
      byId !== null ? getAdapterRecord(project.db, byId, project.dir) : findAdapterByName(project.db, source.adapter);
    if (!record) {
      throw new UserError(
        'INVALID_INPUT',
        `The project has no adapter "${source.adapter}"; list them with \`ctvlm adapter list\`.`,
      );
    }
    return {
      ...common,
      kind: 'adapter',
      label: record.name,
      adapterDir: path.join(project.dir, record.path),
      adapterSha256: record.sha256,
      replacesBase: false,
    };
  }
  const checkpoint = findRunCheckpoint(project.db, source.run);
  const folder = path.resolve(project.dir, checkpoint.path);
  if (!folder.startsWith(project.filesDir + path.sep)) {
    throw new UserError(
      'PROJECT_CORRUPT',
      `Run "${checkpoint.runName}"'s checkpoint is recorded at ${checkpoint.path}, outside the project's files/; the project database was edited by hand.`,
    );
  }
  if (fs.existsSync(path.join(folder, ADAPTER_CONFIG_FILE))) {
    return {
      ...common,
      kind: 'run',
      label: checkpoint.runName,
      adapterDir: folder,
      adapterSha256: checkpoint.sha256,
      replacesBase: false,
    };
  }
  if (fs.existsSync(path.join(folder, CHECKPOINT_CONFIG_FILE))) {
    return {
      ...common,
      kind: 'run',
      label: checkpoint.runName,
      checkpointDir: folder,
      adapterDir: null,
      adapterSha256: null,
      replacesBase: true,
    };
  }
  throw new UserError(
    'CHECKPOINT_INVALID',
    `Run "${checkpoint.runName}"'s ${checkpoint.tag} checkpoint ${folder} holds neither an adapter nor a model checkpoint.`,
  );
}

/** Build the model, attach the adapter, load the tokenizer; eval mode. The caller disposes the model. */
export async function loadEvaluatedModel(resolved: ResolvedModelSource): Promise<EvaluatedModel> {
  const tokenizer = loadTokenizer(resolved.tokenizerDir);
  const loaded = await loadBaseModel(resolved.checkpointDir);
  try {
    loaded.model.assertTokenizerFits(tokenizer.vocabSize);
    if (resolved.adapterDir) {
      loadAdapterInto(loaded.model, resolved.adapterDir, {
        modelId: resolved.baseModelId,
        sha256: resolved.baseSha256,
      });
    }
    loaded.model.eval();
    return { model: loaded.model, tokenizer, modelId: loaded.modelId };
  } catch (error) {
    loaded.model.dispose();
    throw error;
  }
}
