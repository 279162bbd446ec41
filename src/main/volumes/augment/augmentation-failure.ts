/** Errors from augmenting one sample, re-raised with the sample named and their kind and code kept. */
import {
  BugError,
  CancelledError,
  toErrorPayload,
  UserError,
  type AppError,
  type ErrorPayload,
} from '../../../shared/errors';

/**
 * `failure`: an ErrorPayload (from a worker) or anything thrown; `where` says where it ran
 * (" in a worker thread", or "" on the calling thread).
 */
export function augmentationFailure(label: string, failure: unknown, where: string): AppError {
  const payload = isErrorPayload(failure) ? failure : toErrorPayload(failure);
  const message = `Augmenting ${label} failed${where}: ${payload.message}`;
  switch (payload.kind) {
    case 'user':
      return new UserError(payload.code, message);
    case 'cancelled':
      return new CancelledError(message);
    case 'bug':
      return new BugError(message, { code: payload.code, cause: failure });
  }
}

function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}
