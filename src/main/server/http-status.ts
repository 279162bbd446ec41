/** The HTTP status for an error that crosses the web-mode boundary (API routes and viewer files). */
import type { ErrorCode, ErrorPayload } from '../../shared/errors';

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  UNKNOWN_ROUTE: 404,
  PROJECT_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  PROJECT_LOCKED: 409,
  PROJECT_EXISTS: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
};

export function httpStatusOf(error: ErrorPayload): number {
  return BY_CODE[error.code] ?? (error.kind === 'bug' ? 500 : error.kind === 'cancelled' ? 409 : 400);
}
