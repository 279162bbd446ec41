/** What crosses a transport for one call: data, or a typed error. Never a thrown value. */
import { z } from 'zod';
import { ErrorPayloadSchema, type ErrorPayload } from '../errors';

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export const EnvelopeSchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorPayloadSchema }),
]);
