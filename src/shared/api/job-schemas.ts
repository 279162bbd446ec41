import { z } from 'zod';
import { ErrorPayloadSchema } from '../errors';

export const JobIdSchema = z.string().min(1);

export const JOB_KINDS = [
  'demo.build',
  'demo.adapt',
  'dataset.import',
  'evaluation.run',
  'extraction.run',
  'gradcam.run',
  'models.import',
  'ollama.pull',
  'system.doctor',
  'training.run',
  'training.sweep',
  'viewer.volume',
] as const;
export const JobKindSchema = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof JobKindSchema>;

export const JobStatusSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const JobProgressSchema = z.object({
  jobId: JobIdSchema,
  kind: JobKindSchema,
  projectId: z.string().nullable(),
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
  /** Seconds left, estimated from the rate so far; null until it can be estimated. */
  etaSeconds: z.number().nonnegative().nullable(),
  message: z.string(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const JobInfoSchema = JobProgressSchema.extend({
  status: JobStatusSchema,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: ErrorPayloadSchema.nullable(),
  /** What the job returned when it succeeded (its shape depends on the kind). */
  result: z.unknown().nullable(),
});
export type JobInfo = z.infer<typeof JobInfoSchema>;

export const JobFinishedSchema = z.object({
  jobId: JobIdSchema,
  kind: JobKindSchema,
  projectId: z.string().nullable(),
  status: JobStatusSchema.exclude(['running']),
  error: ErrorPayloadSchema.nullable(),
  result: z.unknown().nullable(),
});
export type JobFinished = z.infer<typeof JobFinishedSchema>;
