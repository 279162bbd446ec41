/**
 * What a run needs, besides its weights, to continue exactly where its last checkpoint left it:
 * optimizer steps and epochs done, the early-stopping bookkeeping, mixed precision's loss scale, and
 * AdamW's moments (optimizer.safetensors). Kept inside the "last" checkpoint folder, so weights and
 * state are replaced together.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EpochRecordSchema } from '../../shared/api/run-schemas';
import { UserError } from '../../shared/errors';
import type { AdamWState } from '../engine/train/adamw';
import { LossScalerStateSchema } from '../engine/train/loss-scaler';
import { readSafetensors } from '../engine/io/safetensors-reader';
import type { Tensor as FileTensor } from '../engine/io/safetensors-dtypes';
import { writeSafetensors } from '../engine/io/safetensors-writer';
import { writeFileAtomic } from '../fs/atomic-write';

export const TRAINER_STATE_FILE = 'trainer-state.json';
export const OPTIMIZER_STATE_FILE = 'optimizer.safetensors';

export const TrainerProgressSchema = z.object({
  format_version: z.literal(1),
  runId: z.number().int(),
  /** Epochs completed. */
  epoch: z.number().int().min(0),
  /** Optimizer steps taken. */
  step: z.number().int().min(0),
  bestScore: z.number().nullable(),
  bestEpoch: z.number().int().nullable(),
  epochsWithoutImprovement: z.number().int().min(0),
  stoppedEarly: z.boolean(),
  /** Every epoch's record so far (the project database is rebuilt from it on resume). */
  history: z.array(EpochRecordSchema),
  /** Mixed precision's loss scale and its counters (absent without mixed precision). */
  lossScaler: LossScalerStateSchema.optional(),
});
export type TrainerProgress = z.infer<typeof TrainerProgressSchema>;

export function writeTrainerState(folder: string, progress: TrainerProgress, optimizer: AdamWState): void {
  const tensors = new Map<string, FileTensor>();
  for (const [name, { m, v, shape }] of optimizer.moments) {
    tensors.set(`${name}.exp_avg`, { dtype: 'F32', shape, data: m });
    tensors.set(`${name}.exp_avg_sq`, { dtype: 'F32', shape, data: v });
  }
  writeSafetensors(path.join(folder, OPTIMIZER_STATE_FILE), tensors, new Map([['step', String(optimizer.step)]]));
  writeFileAtomic(path.join(folder, TRAINER_STATE_FILE), `${JSON.stringify(progress, null, 2)}\n`);
}

export function readTrainerState(folder: string): { progress: TrainerProgress; optimizer: AdamWState } {
  const stateFile = path.join(folder, TRAINER_STATE_FILE);
  if (!fs.existsSync(stateFile)) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${folder} has no ${TRAINER_STATE_FILE}: it is not a resumable checkpoint.`,
    );
  }
  const parsed = TrainerProgressSchema.safeParse(JSON.parse(fs.readFileSync(stateFile, 'utf8')));
  if (!parsed.success) throw new UserError('CHECKPOINT_INVALID', `${stateFile} is damaged: ${parsed.error.message}`);
  const contents = readSafetensors(path.join(folder, OPTIMIZER_STATE_FILE));
  const moments: AdamWState['moments'] = new Map();
  for (const [key, tensor] of contents.tensors) {
    const match = /^(.+)\.(exp_avg|exp_avg_sq)$/.exec(key);
    if (!match?.[1] || tensor.dtype !== 'F32') continue;
    const entry = moments.get(match[1]) ?? { m: new Float32Array(0), v: new Float32Array(0), shape: tensor.shape };
    if (match[2] === 'exp_avg') entry.m = tensor.data;
    else entry.v = tensor.data;
    moments.set(match[1], entry);
  }
  return {
    progress: parsed.data,
    optimizer: { step: Number(contents.metadata.get('step') ?? parsed.data.step), moments },
  };
}
