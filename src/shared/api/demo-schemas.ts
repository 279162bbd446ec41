/** What `ctvlm demo` (job demo.adapt) reports: base against adapted zero-shot metrics on held-out studies. */
import { z } from 'zod';
import { ConfidenceIntervalSchema } from './metrics-schemas';

export const DemoModelResultSchema = z.object({
  evaluationId: z.number().int(),
  outputDir: z.string(),
  auroc: ConfidenceIntervalSchema,
  f1: ConfidenceIntervalSchema,
  accuracy: ConfidenceIntervalSchema,
});

export const DemoSummarySchema = z.object({
  projectDir: z.string(),
  task: z.string(),
  testStudies: z.number().int(),
  trainStudies: z.number().int(),
  base: DemoModelResultSchema,
  adapted: DemoModelResultSchema,
  run: z.object({
    id: z.number().int(),
    name: z.string(),
    method: z.string(),
    epochs: z.number().int(),
    bestEpoch: z.number().int().nullable(),
    trainableParameters: z.number().int(),
    totalParameters: z.number().int(),
    trainSeconds: z.number(),
  }),
  /** A copy of the adapted model's adapter (PEFT format). */
  adapterDir: z.string(),
  seconds: z.number(),
});
export type DemoSummary = z.infer<typeof DemoSummarySchema>;
