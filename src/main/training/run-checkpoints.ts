/**
 * A run's checkpoints: "last" (every epoch, with the trainer state for resuming) and "best" (the
 * epoch with the best validation score). PEFT-style runs write adapters only (LoRA factors and the
 * parameters trained whole); full fine-tuning writes a whole checkpoint. Each folder is replaced
 * as a whole (checkpoint-folder.ts), so a failed write keeps the previous one.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BugError, UserError } from '../../shared/errors';
import { saveAdapter } from '../engine/io/adapter-files';
import { CHECKPOINT_WEIGHTS_FILE } from '../engine/io/checkpoint-config';
import { loadCheckpointWeights, saveCheckpoint } from '../engine/io/model-checkpoint';
import { ADAPTER_WEIGHTS_FILE, readAdapter } from '../engine/io/peft-adapter';
import { savedParameterKey } from '../engine/io/peft-keys';
import { disposeStateDict, loadLoraStateDict } from '../engine/lora/lora-state-dict';
import type { ContrastiveModel } from '../engine/models/contrastive-model';
import { CtVlm } from '../engine/models/ctvlm/ct-vlm';
import type { AdamWState } from '../engine/train/adamw';
import type { ConfiguredMethod } from '../engine/train/configure-method';
import { tf } from '../engine/tf';
import { replaceFolder } from './checkpoint-folder';
import { writeTrainerState, type TrainerProgress } from './trainer-state';

export interface RunBase {
  modelId: string;
  sha256: string;
}

export interface WrittenCheckpoint {
  folder: string;
  sha256: string;
  sizeBytes: number;
}

export function writeRunCheckpoint(
  folder: string,
  model: ContrastiveModel,
  method: ConfiguredMethod,
  options: { base: RunBase; runName: string; state?: { progress: TrainerProgress; optimizer: AdamWState } },
): WrittenCheckpoint {
  replaceFolder(folder, (partial) => {
    if (method.adapterCheckpoints) {
      saveAdapter(model, partial, {
        baseModelId: options.base.modelId,
        baseSha256: options.base.sha256,
        name: options.runName,
        savedParameters: method.wholeParameters,
      });
    } else {
      saveCheckpoint(requireCtVlm(model, 'save a whole checkpoint'), partial, {
        modelId: `${options.base.modelId}+${options.runName}`,
      });
    }
    if (options.state) writeTrainerState(partial, options.state.progress, options.state.optimizer);
  });
  return describeCheckpoint(folder);
}

export function describeCheckpoint(folder: string): WrittenCheckpoint {
  const weights = weightsFileOf(folder);
  const bytes = fs.readFileSync(weights);
  return { folder, sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.byteLength };
}

/** Load a run checkpoint's trained values into a model already configured for the run's method. */
export async function loadRunCheckpoint(
  folder: string,
  model: ContrastiveModel,
  method: ConfiguredMethod,
): Promise<void> {
  if (!method.adapterCheckpoints) {
    await loadCheckpointWeights(requireCtVlm(model, 'load a whole checkpoint'), folder);
    return;
  }
  const adapter = readAdapter(folder);
  const saved = new Set(method.wholeParameters.map(savedParameterKey));
  const values = new Map(
    [...adapter.tensors]
      .filter(([key]) => !saved.has(key))
      .map(([key, tensor]) => [key, tf.tensor(tensor.data, tensor.shape, 'float32')] as const),
  );
  try {
    loadLoraStateDict(model, values);
  } finally {
    disposeStateDict(values);
  }
  const parameters = new Map(model.namedParameters());
  for (const name of method.wholeParameters) {
    const tensor = adapter.tensors.get(savedParameterKey(name));
    const variable = parameters.get(name);
    if (!tensor || !variable)
      throw new UserError('CHECKPOINT_INVALID', `${folder} has no saved ${name}: it is not this run's checkpoint.`);
    const value = tf.tensor(tensor.data, variable.shape, 'float32');
    variable.assign(value);
    value.dispose();
  }
}

function weightsFileOf(folder: string): string {
  const adapter = path.join(folder, ADAPTER_WEIGHTS_FILE);
  return fs.existsSync(adapter) ? adapter : path.join(folder, CHECKPOINT_WEIGHTS_FILE);
}

/** Whole run checkpoints exist for the CtVlm family only (Merlin and CT-CLIP runs write adapters). */
function requireCtVlm(model: ContrastiveModel, what: string): CtVlm {
  if (model instanceof CtVlm) return model;
  throw new BugError(`Cannot ${what} of a ${model.arch} model: its runs write adapters.`);
}
