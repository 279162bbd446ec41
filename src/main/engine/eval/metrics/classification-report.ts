/**
 * The zero-shot evaluation report: per-class and overall metrics, each with a bootstrap
 * confidence interval. The one entry point the evaluation service calls.
 *
 * - Each class's threshold is chosen ONCE, on the full set, by the rule, and kept fixed inside the
 *   bootstrap: the intervals cover the sampling of studies, not the choice of threshold.
 * - The bootstrap resamples rows (studies) with replacement; every statistic of every class and
 *   every average is computed on the same resampled rows (see bootstrap.ts), and each interval is
 *   the bootstrap of exactly the statistic it reports.
 * - A null label leaves that row out of that class (its counts, ROC and AUROC), and leaves the
 *   row out of the samples averages and the subset accuracy.
 * - Metrics follow scikit-learn 1.5 with zero_division=np.nan: undefined values are null, so a
 *   class with no positive has a null AUROC and recall, and nothing throws.
 */
import { BugError } from '../../../../shared/errors';
import { binaryMetrics, type ConfusionCounts } from './binary-metrics';
import {
  bootstrapStatisticVector,
  resolveBootstrapSettings,
  type BootstrapOptions,
  type ConfidenceInterval,
} from './bootstrap';
import { aurocAverages, classAverages, rowScores, type Prf, type RowScores } from './multilabel-metrics';
import { aucRanking, weightedAuc, type AucRanking } from './ranked-auc';
import type {
  AveragedIntervals,
  BinaryMetricIntervals,
  ClassificationReport,
  ClassReport,
  ClassScores,
  OverallReport,
} from '../../../../shared/api/metrics-schemas';
import { rocCurve } from './roc';
import { chooseThreshold, predict, type ChosenThreshold, type ThresholdRule } from './thresholds';
import { assertBinaryLabels, assertFiniteScores } from './validate';

export type { ClassScores } from '../../../../shared/api/metrics-schemas';

const CLASS_METRICS = ['auroc', 'accuracy', 'precision', 'recall', 'specificity', 'f1'] as const;
const AVERAGES = ['micro', 'macro', 'weighted', 'samples'] as const;
const PRF = ['precision', 'recall', 'f1'] as const;
/** Row codes per class: label·2 + prediction, or NO_LABEL. */
const TN = 0;
const FP = 1;
const FN = 2;
const TP = 3;
const NO_LABEL = 4;

interface PreparedClass {
  name: string;
  chosen: ChosenThreshold;
  codes: Uint8Array;
  ranking: AucRanking;
  support: number;
  negatives: number;
  confusion: ConfusionCounts;
  roc: ClassReport['roc'];
}

export function classificationReport(
  classes: readonly ClassScores[],
  rule: ThresholdRule,
  options?: BootstrapOptions,
): ClassificationReport {
  const settings = resolveBootstrapSettings(options);
  const n = checkClasses(classes);
  const prepared = classes.map(prepareClass(rule));
  const multilabel = prepared.length > 1;
  const rows = multilabel
    ? rowScores(
        classes.map((c) => c.labels),
        prepared.map(predictions),
      )
    : null;

  const names: string[] = [];
  prepared.forEach((_, c) => CLASS_METRICS.forEach((metric) => names.push(`class ${c} ${metric}`)));
  if (multilabel) {
    names.push('auroc macro', 'auroc weighted', 'subset accuracy');
    PRF.forEach((metric) => AVERAGES.forEach((average) => names.push(`${metric} ${average}`)));
  }
  const intervals = bootstrapStatisticVector(n, names, evaluator(n, prepared, rows), settings);
  const interval = (name: string): ConfidenceInterval => {
    const found = intervals[name];
    if (found === undefined) throw new BugError(`classificationReport: no interval named "${name}".`);
    return found;
  };

  const perClass = prepared.map((p, c): ClassReport => {
    const metrics = Object.fromEntries(
      CLASS_METRICS.map((metric) => [metric, interval(`class ${c} ${metric}`)]),
    ) as BinaryMetricIntervals;
    return {
      name: p.name,
      threshold: p.chosen.threshold,
      thresholdInclusive: p.chosen.inclusive,
      ...(p.chosen.note === undefined ? {} : { note: p.chosen.note }),
      support: p.support,
      negatives: p.negatives,
      ...metrics,
      confusion: p.confusion,
      roc: p.roc,
    };
  });

  const averaged = (metric: (typeof PRF)[number]): AveragedIntervals => ({
    micro: interval(`${metric} micro`),
    macro: interval(`${metric} macro`),
    weighted: interval(`${metric} weighted`),
    samples: interval(`${metric} samples`),
  });
  const first = perClass[0];
  const overall: OverallReport =
    !multilabel && first !== undefined
      ? { kind: 'binary', binary: Object.fromEntries(CLASS_METRICS.map((m) => [m, first[m]])) as BinaryMetricIntervals }
      : {
          kind: 'multilabel',
          auroc: { macro: interval('auroc macro'), weighted: interval('auroc weighted') },
          precision: averaged('precision'),
          recall: averaged('recall'),
          f1: averaged('f1'),
          subsetAccuracy: interval('subset accuracy'),
        };

  return { n, rule, perClass, overall, bootstrap: settings };
}

/** Threshold, predictions, ranking and full-set counts for one class. */
function prepareClass(rule: ThresholdRule): (scores: ClassScores) => PreparedClass {
  return ({ name, labels, scores }) => {
    const keptLabels: number[] = [];
    const keptScores: number[] = [];
    labels.forEach((label, row) => {
      if (label === null) return;
      keptLabels.push(label);
      keptScores.push(scores[row] ?? Number.NaN);
    });
    const chosen = chooseThreshold(rule, keptLabels, keptScores);
    const preds = predict(scores, chosen);
    const codes = new Uint8Array(labels.length);
    const confusion: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
    labels.forEach((label, row) => {
      const code = label === null ? NO_LABEL : label * 2 + (preds[row] ?? 0);
      codes[row] = code;
      if (code === TP) confusion.tp++;
      else if (code === FP) confusion.fp++;
      else if (code === TN) confusion.tn++;
      else if (code === FN) confusion.fn++;
    });
    return {
      name,
      chosen,
      codes,
      ranking: aucRanking(labels, scores),
      support: confusion.tp + confusion.fn,
      negatives: confusion.tn + confusion.fp,
      confusion,
      roc: rocCurve(keptLabels, keptScores),
    };
  };
}

function predictions(p: PreparedClass): Uint8Array {
  return p.codes.map((code) => (code === TP || code === FP ? 1 : 0));
}

/**
 * Computes every statistic of one resample at once (in the order of the names built above):
 * the draw count of each row, then per class the weighted confusion counts and AUROC, then the
 * averages from those. No allocation per row.
 */
function evaluator(
  n: number,
  prepared: readonly PreparedClass[],
  rows: RowScores | null,
): (indices: Int32Array, out: Float64Array) => void {
  const draws = new Int32Array(n);
  const tally = new Float64Array(NO_LABEL + 1);
  const counts: ConfusionCounts[] = prepared.map(() => ({ tp: 0, fp: 0, tn: 0, fn: 0 }));
  const aurocs: (number | null)[] = prepared.map(() => null);
  const supports: number[] = prepared.map(() => 0);
  const value = (x: number | null): number => x ?? Number.NaN;

  return (indices, out) => {
    draws.fill(0);
    for (let k = 0; k < indices.length; k++) {
      const row = indices[k] ?? 0;
      draws[row] = (draws[row] ?? 0) + 1;
    }

    let slot = 0;
    prepared.forEach((p, c) => {
      tally.fill(0);
      const { codes } = p;
      for (let row = 0; row < n; row++) {
        const code = codes[row] ?? NO_LABEL;
        tally[code] = (tally[code] ?? 0) + (draws[row] ?? 0);
      }
      const confusion = counts[c] ?? { tp: 0, fp: 0, tn: 0, fn: 0 };
      confusion.tp = tally[TP] ?? 0;
      confusion.fp = tally[FP] ?? 0;
      confusion.tn = tally[TN] ?? 0;
      confusion.fn = tally[FN] ?? 0;
      const metrics = binaryMetrics(confusion);
      const auroc = weightedAuc(p.ranking, draws);
      aurocs[c] = auroc;
      supports[c] = metrics.support;
      out[slot++] = value(auroc);
      out[slot++] = value(metrics.accuracy);
      out[slot++] = value(metrics.precision);
      out[slot++] = value(metrics.recall);
      out[slot++] = value(metrics.specificity);
      out[slot++] = value(metrics.f1);
    });
    if (rows === null) return;

    const auroc = aurocAverages(aurocs, supports);
    out[slot++] = value(auroc.macro);
    out[slot++] = value(auroc.weighted);
    out[slot++] = drawnMean(rows.exact, draws);
    const averages = classAverages(counts);
    const samples: Prf = {
      precision: drawnMean(rows.precision, draws),
      recall: drawnMean(rows.recall, draws),
      f1: drawnMean(rows.f1, draws),
    };
    for (const metric of PRF) {
      out[slot++] = value(averages.micro[metric]);
      out[slot++] = value(averages.macro[metric]);
      out[slot++] = value(averages.weighted[metric]);
      out[slot++] = samples[metric] ?? Number.NaN;
    }
  };
}

/** Mean over the drawn rows (each as often as drawn) where the value is defined; NaN if none. */
function drawnMean(values: Float64Array, draws: Int32Array): number {
  let sum = 0;
  let count = 0;
  for (let row = 0; row < values.length; row++) {
    const weight = draws[row] ?? 0;
    const v = values[row] ?? Number.NaN;
    if (weight === 0 || Number.isNaN(v)) continue;
    sum += weight * v;
    count += weight;
  }
  return count === 0 ? Number.NaN : sum / count;
}

/** At least one class, unique names, every class over the same n rows; returns n. */
function checkClasses(classes: readonly ClassScores[]): number {
  const first = classes[0];
  if (first === undefined) throw new BugError('classificationReport needs at least one class.');
  const n = first.labels.length;
  const seen = new Set<string>();
  for (const { name, labels, scores } of classes) {
    if (seen.has(name)) throw new BugError(`classificationReport: class "${name}" appears twice.`);
    seen.add(name);
    if (labels.length !== n || scores.length !== n) {
      throw new BugError(
        `classificationReport: class "${name}" has ${labels.length} labels and ${scores.length} scores; expected ${n} of each.`,
      );
    }
    assertBinaryLabels(`classificationReport, class "${name}"`, labels, { allowNull: true });
    assertFiniteScores(`classificationReport, class "${name}"`, scores);
  }
  return n;
}
