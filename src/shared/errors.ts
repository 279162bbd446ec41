/**
 * Typed errors that cross process boundaries (IPC, HTTP, worker messages, CLI exit).
 * Every error has a stable `code` and a message a person can act on.
 * No electron, node:* or DOM imports here: this file runs everywhere.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  // input and contract
  'INVALID_INPUT',
  'UNKNOWN_ROUTE',
  // projects
  'PROJECT_NOT_FOUND',
  'PROJECT_EXISTS',
  'PROJECT_CORRUPT',
  'PROJECT_FOREIGN',
  'PROJECT_TOO_NEW',
  'PROJECT_OUTDATED',
  'PROJECT_LOCKED',
  // volumes and datasets
  'VOLUME_INVALID',
  'VOLUME_UNSUPPORTED',
  'SERIES_AMBIGUOUS',
  'MANIFEST_INVALID',
  'STUDY_INVALID',
  // models and adapters
  'ADAPTER_BASE_MISMATCH',
  'CHECKPOINT_INVALID',
  // training
  'TRAINING_DIVERGED',
  'RUN_CONFIG_INVALID',
  // report extraction
  'OLLAMA_UNREACHABLE',
  'OLLAMA_MODEL_MISSING',
  'OLLAMA_FAILED',
  'EXTRACTION_INVALID',
  // jobs
  'JOB_NOT_FOUND',
  'WORKER_CRASHED',
  'CANCELLED',
  // web mode
  'UNAUTHORIZED',
  'FORBIDDEN',
  // environment
  'ELECTRON_UNAVAILABLE',
  'IO_ERROR',
  'FILE_NOT_FOUND',
  'GPU_ERROR',
  // a defect in this program
  'INTERNAL',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** What a person or a program needs to know about a failure, as plain data. */
export const ErrorPayloadSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  kind: z.enum(['user', 'cancelled', 'bug']),
});
export type ErrorPayload = z.infer<typeof ErrorPayloadSchema>;

export abstract class AppError extends Error {
  abstract readonly kind: ErrorPayload['kind'];
  readonly code: ErrorCode;

  protected constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message, kind: this.kind };
  }
}

/** Something the user can fix: bad input, a locked or corrupt project, a missing file. */
export class UserError extends AppError {
  readonly kind = 'user' as const;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The user (or a shutdown) cancelled long work. Not a failure. */
export class CancelledError extends AppError {
  readonly kind = 'cancelled' as const;
  constructor(message = 'Cancelled.') {
    super('CANCELLED', message);
  }
}

/** A defect in this program. The message says what broke; the cause keeps the stack. */
export class BugError extends AppError {
  readonly kind = 'bug' as const;
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'INTERNAL', message, options);
  }
}

/** Any thrown value as a payload that can cross a process boundary. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof AppError) return error.toPayload();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `Unexpected error: ${message}`, kind: 'bug' };
}

/** Rebuild a typed error on the receiving side of a boundary. */
export function fromErrorPayload(payload: ErrorPayload): AppError {
  switch (payload.kind) {
    case 'cancelled':
      return new CancelledError(payload.message);
    case 'user':
      return new UserError(payload.code, payload.message);
    case 'bug':
      return new BugError(payload.message, { code: payload.code });
  }
}
