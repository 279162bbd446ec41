/**
 * A project's base model folder, whichever the architecture: a CT-VLM checkpoint
 * (`config.json` with architecture "ctvlm", engine/io/model-checkpoint.ts) or a Merlin / CT-CLIP
 * installed from the model library (the library folder's files: `config.json` with architecture
 * "merlin" or "ctclip", `model.safetensors`, `import.json`). Either way the result is a
 * ContrastiveModel, its model id and the sha256 of its weights (what adapters are checked against).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../shared/errors';
import { CHECKPOINT_CONFIG_FILE } from '../engine/io/checkpoint-config';
import { loadCheckpoint } from '../engine/io/model-checkpoint';
import type { ContrastiveArch, ContrastiveModel } from '../engine/models/contrastive-model';
import { CtClip } from '../engine/models/ctclip/ct-clip';
import { Merlin } from '../engine/models/merlin/merlin';
import { loadLibraryWeights } from './foundation/load-foundation-model';
import { readModelFolder, type LibraryModel } from './foundation/model-library';

export interface LoadedBaseModel {
  model: ContrastiveModel;
  modelId: string;
  /** sha256 of the folder's model.safetensors. */
  sha256: string;
}

const ArchitectureSchema = z.object({ architecture: z.enum(['ctvlm', 'merlin', 'ctclip']) });

/** The architecture a base model folder's config.json names. */
export function baseModelArch(folder: string): ContrastiveArch {
  const file = path.join(folder, CHECKPOINT_CONFIG_FILE);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError('CHECKPOINT_INVALID', `${file} is missing or damaged (${(error as Error).message}).`, {
      cause: error,
    });
  }
  const parsed = ArchitectureSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${file} names no known architecture (ctvlm, merlin or ctclip): it is not a model folder of ours.`,
    );
  }
  return parsed.data.architecture;
}

/** Build the model a base folder describes and load its weights (train mode, as built). */
export async function loadBaseModel(folder: string): Promise<LoadedBaseModel> {
  if (baseModelArch(folder) === 'ctvlm') return loadCheckpoint(folder);
  const library = readModelFolder(folder);
  const model = buildLibraryModel(library);
  try {
    loadLibraryWeights(model, library);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, modelId: library.id, sha256: library.record.weights.sha256 };
}

/** A library model's architecture, built from its config (weights not loaded). */
export function buildLibraryModel(library: LibraryModel): Merlin | CtClip {
  const { foundation } = library;
  return foundation.arch === 'ctclip' ? new CtClip(foundation.config) : new Merlin(foundation.config);
}
