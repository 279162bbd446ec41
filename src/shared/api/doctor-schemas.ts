/**
 * The doctor report: this machine (Node, platform, CPUs, memory), each compute backend tried with
 * its self-test against the CPU backend, the one training would use, and how to get a faster one.
 * `ctvlm doctor` prints it; the `system.doctor` job returns it to the Settings page.
 */
import { z } from 'zod';

/** The compute backends, best first (the order the selection tries them in). */
export const COMPUTE_BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export const ComputeBackendNameSchema = z.enum(COMPUTE_BACKEND_NAMES);
export type ComputeBackendName = z.infer<typeof ComputeBackendNameSchema>;

export const DoctorInputSchema = z
  .object({
    /** Require this backend: the job fails, saying why, if it cannot be used. */
    backend: ComputeBackendNameSchema.optional(),
  })
  .strict();
export type DoctorInput = z.infer<typeof DoctorInputSchema>;

export const SelfTestResultSchema = z.object({
  passed: z.boolean(),
  /** null when the backend produced NaN or Infinity (JSON cannot carry them). */
  maxAbsError: z.number().nullable(),
  ms: z.number(),
});

export const BackendDeviceSchema = z.object({
  description: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export const CandidateReportSchema = z.object({
  name: z.string(),
  /** Whether it was loaded at all (false when not tried). */
  tried: z.boolean(),
  available: z.boolean(),
  selfTest: SelfTestResultSchema.nullable(),
  /** Why it was chosen, skipped or not tried, in words. */
  reason: z.string(),
  device: BackendDeviceSchema.optional(),
});
export type CandidateReport = z.infer<typeof CandidateReportSchema>;

export const DoctorReportSchema = z.object({
  node: z.string(),
  platform: z.string(),
  cpus: z.object({ count: z.number().int().nonnegative(), model: z.string() }),
  memoryGiB: z.object({ total: z.number(), free: z.number() }),
  backends: z.object({
    chosen: z.string(),
    forced: z.boolean(),
    tolerance: z.object({ atol: z.number(), rtol: z.number() }),
    candidates: z.array(CandidateReportSchema),
  }),
  /** What would make training faster here, one suggestion a line. */
  advice: z.array(z.string()),
});
export type DoctorReport = z.infer<typeof DoctorReportSchema>;
