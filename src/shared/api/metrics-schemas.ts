/**
 * Every zod schema of the metrics library (src/main/engine/eval/metrics/) and the types inferred
 * from them, here in shared so the API contract validates the reports the library makes. Every value that can be undefined is nullable. Thresholds may be
 * +Infinity (the ROC curve's first point); JSON writes that as null, and these schemas read null
 * back as +Infinity, so a report survives a trip through JSON.
 */
import { z } from 'zod';

/** A threshold: a finite number or +Infinity; null (Infinity after JSON) is read as +Infinity. */
export const ThresholdValueSchema = z.preprocess(
  (value) => (value === null ? Number.POSITIVE_INFINITY : value),
  z.union([z.number(), z.literal(Number.POSITIVE_INFINITY)]),
);

/** sklearn roc_curve's output: thresholds descending, the first +Infinity. */
export const RocCurveSchema = z.object({
  fpr: z.array(z.number()),
  tpr: z.array(z.number()),
  thresholds: z.array(ThresholdValueSchema),
});
export type RocCurve = z.infer<typeof RocCurveSchema>;

/** How a class's score becomes a prediction (see thresholds.ts). */
export const ThresholdRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('argmax') }),
  z.object({ kind: z.literal('closest-to-corner') }),
  z.object({ kind: z.literal('youden') }),
  z.object({ kind: z.literal('fixed'), value: z.number() }),
]);
export type ThresholdRule = z.infer<typeof ThresholdRuleSchema>;

export const ChosenThresholdSchema = z.object({
  rule: ThresholdRuleSchema,
  threshold: ThresholdValueSchema,
  /** true: positive iff score >= threshold; false: positive iff score > threshold. */
  inclusive: z.boolean(),
  /** Why the threshold is not what the rule asked for (one class only: argmax fallback). */
  note: z.string().optional(),
});
export type ChosenThreshold = z.infer<typeof ChosenThresholdSchema>;

export const ConfusionCountsSchema = z.object({
  tp: z.number().int().nonnegative(),
  fp: z.number().int().nonnegative(),
  tn: z.number().int().nonnegative(),
  fn: z.number().int().nonnegative(),
});
export type ConfusionCounts = z.infer<typeof ConfusionCountsSchema>;

export const ConfidenceIntervalSchema = z.object({
  /** The statistic on the rows as given. */
  estimate: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  /** Resamples where the statistic was defined. */
  validResamples: z.number().int().nonnegative(),
  resamples: z.number().int().nonnegative(),
  level: z.number(),
});
export type ConfidenceInterval = z.infer<typeof ConfidenceIntervalSchema>;

export const BootstrapSettingsSchema = z.object({
  resamples: z.number().int().nonnegative(),
  seed: z.number().int(),
  level: z.number().gt(0).lt(1),
});
export type BootstrapSettings = z.infer<typeof BootstrapSettingsSchema>;

/** One class (finding) over the n rows (studies) of the evaluation set. */
export const ClassScoresSchema = z.object({
  name: z.string().min(1),
  labels: z.array(z.union([z.literal(0), z.literal(1), z.null()])),
  scores: z.array(z.number()),
});
export interface ClassScores {
  name: string;
  labels: readonly (0 | 1 | null)[];
  scores: readonly number[];
}

/** A bootstrap interval for each binary metric of one class. */
export const BinaryMetricIntervalsSchema = z.object({
  auroc: ConfidenceIntervalSchema,
  accuracy: ConfidenceIntervalSchema,
  precision: ConfidenceIntervalSchema,
  recall: ConfidenceIntervalSchema,
  specificity: ConfidenceIntervalSchema,
  f1: ConfidenceIntervalSchema,
});
export type BinaryMetricIntervals = z.infer<typeof BinaryMetricIntervalsSchema>;

export const ClassReportSchema = z.object({
  name: z.string(),
  threshold: ThresholdValueSchema,
  /** true: positive iff score >= threshold; false: positive iff score > threshold. */
  thresholdInclusive: z.boolean(),
  /** Why the threshold is not what the rule asked for (one class only: argmax fallback). */
  note: z.string().optional(),
  /** Labelled rows that are positive. */
  support: z.number().int().nonnegative(),
  /** Labelled rows that are negative. */
  negatives: z.number().int().nonnegative(),
  ...BinaryMetricIntervalsSchema.shape,
  confusion: ConfusionCountsSchema,
  roc: RocCurveSchema.nullable(),
});
export type ClassReport = z.infer<typeof ClassReportSchema>;

export const AveragedIntervalsSchema = z.object({
  micro: ConfidenceIntervalSchema,
  macro: ConfidenceIntervalSchema,
  weighted: ConfidenceIntervalSchema,
  samples: ConfidenceIntervalSchema,
});
export type AveragedIntervals = z.infer<typeof AveragedIntervalsSchema>;

export const OverallReportSchema = z.discriminatedUnion('kind', [
  /** One class: a binary task; its metrics again. */
  z.object({ kind: z.literal('binary'), binary: BinaryMetricIntervalsSchema }),
  /** Several classes: a multi-label task. */
  z.object({
    kind: z.literal('multilabel'),
    auroc: z.object({ macro: ConfidenceIntervalSchema, weighted: ConfidenceIntervalSchema }),
    precision: AveragedIntervalsSchema,
    recall: AveragedIntervalsSchema,
    f1: AveragedIntervalsSchema,
    subsetAccuracy: ConfidenceIntervalSchema,
  }),
]);
export type OverallReport = z.infer<typeof OverallReportSchema>;

export const ClassificationReportSchema = z.object({
  /** Rows (studies) in the evaluation set. */
  n: z.number().int().nonnegative(),
  rule: ThresholdRuleSchema,
  perClass: z.array(ClassReportSchema),
  overall: OverallReportSchema,
  bootstrap: BootstrapSettingsSchema,
});
export type ClassificationReport = z.infer<typeof ClassificationReportSchema>;
