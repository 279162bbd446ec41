/** The refusal a checkpoint reader throws, checked to be a CHECKPOINT_INVALID UserError. */
import { expect } from 'vitest';
import { UserError } from '../../../../../src/shared/errors';

/** Runs `action` and returns the CHECKPOINT_INVALID error it throws; fails when `what` is not refused. */
export function checkpointRefusal(action: () => unknown, what: string): UserError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('CHECKPOINT_INVALID');
    return error as UserError;
  }
  throw new Error(`${what} was not refused`);
}
