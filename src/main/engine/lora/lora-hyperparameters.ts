/** The three numbers every LoRA wrapper takes, and the checks that refuse nonsense values. */
import { UserError } from '../../../shared/errors';

export interface LoraHyperparameters {
  /** r: the rank of the update B·A. A positive integer. */
  rank: number;
  /** alpha: the update is scaled by alpha / r. Positive. */
  alpha: number;
  /** Dropout probability on the LoRA input path (training mode only), in [0, 1). */
  dropout: number;
}

export function validateLoraHyperparameters(values: LoraHyperparameters): LoraHyperparameters {
  const { rank, alpha, dropout } = values;
  if (!Number.isInteger(rank) || rank <= 0) {
    throw new UserError('INVALID_INPUT', `The LoRA rank must be a positive integer; got ${rank}.`);
  }
  if (!Number.isFinite(alpha) || alpha <= 0) {
    throw new UserError('INVALID_INPUT', `The LoRA alpha must be a positive number; got ${alpha}.`);
  }
  if (!Number.isFinite(dropout) || dropout < 0 || dropout >= 1) {
    throw new UserError('INVALID_INPUT', `The LoRA dropout must be in [0, 1); got ${dropout}.`);
  }
  return values;
}
