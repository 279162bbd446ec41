import { describe, expect, it } from 'vitest';
import { BugError, CancelledError, fromErrorPayload, toErrorPayload, UserError } from '../../src/shared/errors';

describe('typed errors across a boundary', () => {
  it('round-trips each kind with its code and message', () => {
    const cases = [
      new UserError('PROJECT_LOCKED', 'Locked by process 12'),
      new CancelledError('Stopped by the user'),
      new BugError('Worker died', { code: 'WORKER_CRASHED' }),
    ];
    for (const original of cases) {
      const payload = JSON.parse(JSON.stringify(toErrorPayload(original))) as ReturnType<typeof toErrorPayload>;
      const rebuilt = fromErrorPayload(payload);
      expect(rebuilt).toBeInstanceOf(original.constructor);
      expect(rebuilt.code).toBe(original.code);
      expect(rebuilt.message).toBe(original.message);
    }
  });

  it('reports a plain thrown value as a bug with its message', () => {
    expect(toErrorPayload(new TypeError('x is undefined'))).toEqual({
      code: 'INTERNAL',
      kind: 'bug',
      message: 'Unexpected error: x is undefined',
    });
    expect(toErrorPayload('boom').message).toContain('boom');
  });
});
