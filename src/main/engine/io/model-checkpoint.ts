/**
 * Full CT-VLM checkpoints: a folder with `model.safetensors` (every parameter and buffer by its
 * dotted state-dict name; F32, and I64 for integer buffers, see tensor-conversion.ts) and
 * `config.json` (checkpoint-config.ts). The weights go first and the config last, each written
 * atomically, so a folder with a config always has complete weights. A checkpoint's identity is
 * the sha256 of model.safetensors.
 *
 * Loading is strict: the file's header is compared with the model (names, shapes, dtypes) before
 * any tensor is read, so a wrong or hostile file is refused without allocating its tensors, and
 * nothing is assigned unless everything fits.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../../shared/errors';
import { writeFileAtomic } from '../../fs/atomic-write';
import { loraLayers } from '../lora/lora-modules';
import { disposeStateDict } from '../lora/lora-state-dict';
import { CtVlm } from '../models/ctvlm/ct-vlm';
import type { CtVlmConfig } from '../models/ctvlm/ctvlm-config';
import { describeReport, type StateDictReport } from '../module';
import type { tf } from '../tf';
import { describeConfigIssues } from './adapter-config';
import {
  CHECKPOINT_CONFIG_FILE,
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_WEIGHTS_FILE,
  CheckpointConfigSchema,
  type CheckpointConfig,
} from './checkpoint-config';
import { sha256File } from './sha256-file';
import { openSafetensors, type SafetensorsFile } from './safetensors-reader';
import type { Tensor as FileTensor } from './safetensors-dtypes';
import { encodeSafetensors } from './safetensors-writer';
import { acceptedFileDtypes, fromFileTensor, toFileTensor } from './tensor-conversion';

export interface CheckpointInfo {
  folder: string;
  weightsFile: string;
  modelId: string;
  /** sha256 of model.safetensors (lower-case hex). */
  sha256: string;
  sizeBytes: number;
}

export interface LoadedCheckpoint {
  model: CtVlm;
  modelId: string;
  sha256: string;
}

/** Save a model without LoRA wrappers (merge an adapted model with saveMergedCheckpoint). */
export function saveCheckpoint(model: CtVlm, folder: string, options: { modelId: string }): CheckpointInfo {
  const wrapped = loraLayers(model).map(([name]) => name);
  if (wrapped.length > 0) {
    throw new UserError(
      'INVALID_INPUT',
      `Cannot save ${folder} as a plain checkpoint: the model has LoRA adapters on ${wrapped.slice(0, 3).join(', ')}${wrapped.length > 3 ? ', ...' : ''}. Save the adapter, or merge it into a standalone checkpoint.`,
    );
  }
  return writeCheckpoint(folder, model.config, model.stateDict(), options);
}

/** Write a checkpoint folder from a config and a state dict in the plain model's names. */
export function writeCheckpoint(
  folder: string,
  config: CtVlmConfig,
  tensors: ReadonlyMap<string, tf.Tensor>,
  options: { modelId: string },
): CheckpointInfo {
  const weightsFile = path.join(folder, CHECKPOINT_WEIGHTS_FILE);
  const fileTensors = new Map<string, FileTensor>([...tensors].map(([name, t]) => [name, toFileTensor(name, t)]));
  const bytes = encodeSafetensors(fileTensors, new Map([['format', 'pt']]), weightsFile);
  const document: CheckpointConfig = {
    architecture: 'ctvlm',
    format_version: CHECKPOINT_FORMAT_VERSION,
    modelId: options.modelId,
    config,
  };
  writeFileAtomic(weightsFile, bytes);
  writeFileAtomic(path.join(folder, CHECKPOINT_CONFIG_FILE), `${JSON.stringify(document, null, 2)}\n`);
  return {
    folder,
    weightsFile,
    modelId: options.modelId,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.byteLength,
  };
}

/** Read config.json of a checkpoint folder, refusing anything that is not ours. */
export function readCheckpointConfig(folder: string): CheckpointConfig {
  const file = path.join(folder, CHECKPOINT_CONFIG_FILE);
  if (!fs.existsSync(file)) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${folder} is not a CT-VLM checkpoint folder: it has no ${CHECKPOINT_CONFIG_FILE}.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError('CHECKPOINT_INVALID', `${file} is not valid JSON (${(error as Error).message}).`, {
      cause: error,
    });
  }
  const parsed = CheckpointConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${file} is not a CT-VLM checkpoint config: ${describeConfigIssues(parsed.error)}.`,
    );
  }
  return parsed.data;
}

/** Build the model a checkpoint folder describes and load its weights. */
export async function loadCheckpoint(folder: string): Promise<LoadedCheckpoint> {
  const document = readCheckpointConfig(folder);
  const model = new CtVlm(document.config);
  try {
    const { sha256 } = await loadCheckpointWeights(model, folder);
    return { model, modelId: document.modelId, sha256 };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Load a checkpoint's weights into an existing model of the same architecture, strictly: any
 * missing, unexpected, mis-shaped or mistyped tensor refuses the whole load and the model is
 * not changed.
 */
export async function loadCheckpointWeights(
  model: CtVlm,
  folder: string,
): Promise<{ modelId: string; sha256: string }> {
  const document = readCheckpointConfig(folder);
  const weightsFile = path.join(folder, CHECKPOINT_WEIGHTS_FILE);
  const expected = document.config.temperature.parametrisation;
  if (model.config.temperature.parametrisation !== expected) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${folder} holds a model with temperature parametrisation "${expected}", but this model uses "${model.config.temperature.parametrisation}".`,
    );
  }
  const file = openWeights(weightsFile);
  try {
    const targets = model.stateDict();
    checkHeader(file, targets, weightsFile);
    const values = new Map<string, tf.Tensor>();
    try {
      for (const [name, target] of targets) {
        values.set(name, fromFileTensor(name, file.read(name), target.dtype, weightsFile));
      }
      model.loadStateDict(values, { strict: true });
    } finally {
      disposeStateDict(values);
    }
  } finally {
    file.close();
  }
  return { modelId: document.modelId, sha256: await sha256File(weightsFile) };
}

function openWeights(weightsFile: string): SafetensorsFile {
  if (!fs.existsSync(weightsFile)) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${path.dirname(weightsFile)} is not a complete checkpoint: it has no ${CHECKPOINT_WEIGHTS_FILE}.`,
    );
  }
  try {
    return openSafetensors(weightsFile);
  } catch (error) {
    if (error instanceof UserError && error.code === 'INVALID_INPUT') {
      throw new UserError('CHECKPOINT_INVALID', error.message, { cause: error });
    }
    throw error;
  }
}

function checkHeader(file: SafetensorsFile, targets: ReadonlyMap<string, tf.Tensor>, weightsFile: string): void {
  const report: StateDictReport = {
    missing: [...targets.keys()].filter((key) => !file.tensors.has(key)),
    unexpected: [...file.tensors.keys()].filter((key) => !targets.has(key)),
    shapeMismatch: [],
  };
  for (const [key, info] of file.tensors) {
    const target = targets.get(key);
    if (!target) continue;
    const shape = [...target.shape];
    if (shape.length !== info.shape.length || shape.some((dim, i) => dim !== info.shape[i])) {
      report.shapeMismatch.push({ key, expected: shape, found: [...info.shape] });
    }
  }
  if (report.missing.length + report.unexpected.length + report.shapeMismatch.length > 0) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${weightsFile} does not fit this model: ${describeReport(report)}. Nothing was loaded.`,
    );
  }
  for (const [key, info] of file.tensors) {
    const target = targets.get(key);
    if (target && !acceptedFileDtypes(target.dtype).includes(info.dtype)) {
      throw new UserError(
        'CHECKPOINT_INVALID',
        `${weightsFile}: tensor "${key}" is ${info.dtype}, but the model keeps it as ${target.dtype}. Nothing was loaded.`,
      );
    }
  }
}
