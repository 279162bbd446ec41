/**
 * From embeddings to a zero-shot classification report: score each study against the task's
 * prompts, compute the metrics (with bootstrap CIs) at the task's threshold rule, and the
 * predictions at the chosen thresholds. Shared by evaluations and a training run's validation.
 */
import type { ClassificationReport, ThresholdRule } from '../../shared/api/metrics-schemas';
import type { BootstrapSettings } from '../engine/eval/metrics/bootstrap';
import { classificationReport } from '../engine/eval/metrics/classification-report';
import { predict } from '../engine/eval/metrics/thresholds';
import type { ExpandedClass } from '../engine/eval/tasks/resolve-task';
import { zeroShotScores, type ZeroShotScoreOptions } from '../engine/eval/zero-shot-scores';

export interface ClassInput {
  name: string;
  labels: Array<0 | 1 | null>;
  scores: number[];
}

export interface ZeroShotReport {
  classInputs: ClassInput[];
  report: ClassificationReport;
  /** Per class, the predictions at the report's thresholds. */
  predictions: Uint8Array[];
}

export function zeroShotReport(options: {
  images: Float32Array;
  labels: ReadonlyArray<Record<string, number>>;
  dim: number;
  classes: readonly ExpandedClass[];
  prompts: { prompts: string[]; embeddings: Float32Array };
  scoring: ZeroShotScoreOptions;
  rule: ThresholdRule;
  bootstrap: BootstrapSettings;
}): ZeroShotReport {
  const { images, labels, dim, classes } = options;
  const scores = zeroShotScores(images, labels.length, dim, classes, options.prompts, options.scoring);
  const classInputs = classes.map((item, c) => ({
    name: item.name,
    labels: labels.map((studyLabels) => labelOf(studyLabels, item.label)),
    scores: Array.from(scores[c]?.scores ?? []),
  }));
  return scoredReport(classInputs, options.rule, options.bootstrap);
}

/** Metrics and predictions of scores already computed (zero-shot or a supervised probe's). */
export function scoredReport(
  classInputs: ClassInput[],
  rule: ThresholdRule,
  bootstrap: BootstrapSettings,
): ZeroShotReport {
  const report = classificationReport(classInputs, rule, bootstrap);
  const predictions = classInputs.map((item, c) => {
    const chosen = report.perClass[c];
    return predict(item.scores, {
      threshold: chosen?.threshold ?? 0.5,
      inclusive: chosen?.thresholdInclusive ?? false,
    });
  });
  return { classInputs, report, predictions };
}

export function labelOf(labels: Record<string, number>, label: string): 0 | 1 | null {
  const value = labels[label];
  return value === 0 || value === 1 ? value : null;
}
