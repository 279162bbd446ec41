/** The errors a PyTorch checkpoint can be refused with: all CHECKPOINT_INVALID, naming the file. */
import { UserError } from '../../../../shared/errors';

/** A file that is damaged, truncated or not what it claims to be. */
export function invalidCheckpoint(file: string, problem: string, cause?: unknown): UserError {
  return new UserError('CHECKPOINT_INVALID', `${file} is not a readable PyTorch checkpoint: ${problem}.`, { cause });
}

/** A pickle that names a Python global outside the allowlist: refused before anything is built. */
export function refusedGlobal(file: string, dottedName: string): UserError {
  return new UserError(
    'CHECKPOINT_INVALID',
    `${file} refused: the checkpoint asks to call ${dottedName}; only tensors and state dicts are loaded ` +
      '(as torch.load(weights_only=True) does), so nothing in a checkpoint can run code. If the file holds a ' +
      "whole pickled model, re-save its weights in Python: torch.save(model.state_dict(), 'weights.pt').",
  );
}
