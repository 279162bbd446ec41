/**
 * Multi-label metrics over n rows (studies) and C classes, as scikit-learn 1.5's
 * precision_recall_fscore_support, accuracy_score and roc_auc_score define them, with
 * zero_division=np.nan (undefined → null):
 *
 * - micro: P, R, F1 from the counts summed over classes.
 * - macro: the mean of the per-class values, leaving out undefined ones (sklearn's _nanaverage).
 * - weighted: the same, weighted by each class's support (positives); if the classes left have
 *   no support at all, their plain mean (as _nanaverage does when the weights sum to zero).
 * - samples: P, R, F1 of each row's predicted vs true label set, averaged over the rows where
 *   each is defined.
 * - subsetAccuracy: the fraction of rows whose predicted label set matches exactly.
 * - macroAuroc / weightedAuroc: the mean, or support-weighted mean, of the per-class AUROCs that
 *   are defined (sklearn raises where one is not; here those classes are left out).
 *
 * Inputs are per class: `labels[c][row]`, `preds[c][row]`, `scores[c][row]`. A null label
 * leaves that row out of that class's counts, and leaves the whole row out of the samples
 * average and the subset accuracy.
 */
import { BugError } from '../../../../shared/errors';
import { confusionCounts, type ConfusionCounts } from './binary-metrics';
import { rocAuc } from './roc';
import { assertBinaryLabels, assertSameLength, ratio } from './validate';

export type Label = 0 | 1 | null;

export interface Prf {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface ClassAverages {
  micro: Prf;
  macro: Prf;
  weighted: Prf;
}

export interface PrfAverages extends ClassAverages {
  samples: Prf;
}

/** Per-row values; NaN where undefined or where the row has a missing label. */
export interface RowScores {
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
  /** 1 if the predicted label set equals the true one, else 0. */
  exact: Float64Array;
}

/** precision_recall_fscore_support(average='micro' | 'macro' | 'weighted' | 'samples'). */
export function precisionRecallF1(
  labels: readonly (readonly Label[])[],
  preds: readonly ArrayLike<number>[],
): PrfAverages {
  checkShapes(labels, preds);
  const rows = rowScores(labels, preds);
  return {
    ...classAverages(labels.map((classLabels, c) => confusionCounts(classLabels, preds[c] ?? []))),
    samples: { precision: nanMean(rows.precision), recall: nanMean(rows.recall), f1: nanMean(rows.f1) },
  };
}

/** accuracy_score on multi-label indicators: the exact-match ratio, over rows with every label. */
export function subsetAccuracy(
  labels: readonly (readonly Label[])[],
  preds: readonly ArrayLike<number>[],
): number | null {
  checkShapes(labels, preds);
  return nanMean(rowScores(labels, preds).exact);
}

/** The micro, macro and weighted averages from per-class confusion counts. */
export function classAverages(counts: readonly ConfusionCounts[]): ClassAverages {
  const total: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  const precision: (number | null)[] = [];
  const recall: (number | null)[] = [];
  const f1: (number | null)[] = [];
  const support: number[] = [];
  for (const { tp, fp, tn, fn } of counts) {
    total.tp += tp;
    total.fp += fp;
    total.tn += tn;
    total.fn += fn;
    precision.push(ratio(tp, tp + fp));
    recall.push(ratio(tp, tp + fn));
    f1.push(ratio(2 * tp, 2 * tp + fp + fn));
    support.push(tp + fn);
  }
  return {
    micro: {
      precision: ratio(total.tp, total.tp + total.fp),
      recall: ratio(total.tp, total.tp + total.fn),
      f1: ratio(2 * total.tp, 2 * total.tp + total.fp + total.fn),
    },
    macro: { precision: nanAverage(precision), recall: nanAverage(recall), f1: nanAverage(f1) },
    weighted: {
      precision: nanAverage(precision, support),
      recall: nanAverage(recall, support),
      f1: nanAverage(f1, support),
    },
  };
}

/** Each row's precision, recall, F1 and exact match (the 'samples' average and subset accuracy). */
export function rowScores(labels: readonly (readonly Label[])[], preds: readonly ArrayLike<number>[]): RowScores {
  const n = checkShapes(labels, preds);
  const scores: RowScores = {
    precision: new Float64Array(n),
    recall: new Float64Array(n),
    f1: new Float64Array(n),
    exact: new Float64Array(n),
  };
  for (let row = 0; row < n; row++) {
    let tp = 0;
    let trueSum = 0;
    let predSum = 0;
    let missing = false;
    for (let c = 0; c < labels.length; c++) {
      const label = labels[c]?.[row] ?? null;
      if (label === null) {
        missing = true;
        break;
      }
      const predicted = preds[c]?.[row] === 1 ? 1 : 0;
      trueSum += label;
      predSum += predicted;
      if (label === 1 && predicted === 1) tp++;
    }
    scores.precision[row] = missing ? Number.NaN : (ratio(tp, predSum) ?? Number.NaN);
    scores.recall[row] = missing ? Number.NaN : (ratio(tp, trueSum) ?? Number.NaN);
    scores.f1[row] = missing ? Number.NaN : (ratio(2 * tp, trueSum + predSum) ?? Number.NaN);
    scores.exact[row] = missing ? Number.NaN : tp === trueSum && tp === predSum ? 1 : 0;
  }
  return scores;
}

/** Mean of the per-class AUROCs that are defined; null if none is. */
export function macroAuroc(labels: readonly (readonly Label[])[], scores: readonly ArrayLike<number>[]): number | null {
  return aurocAverages(...perClassAurocs(labels, scores)).macro;
}

/** Support-weighted mean of the per-class AUROCs that are defined; null if none is. */
export function weightedAuroc(
  labels: readonly (readonly Label[])[],
  scores: readonly ArrayLike<number>[],
): number | null {
  return aurocAverages(...perClassAurocs(labels, scores)).weighted;
}

/** Macro and support-weighted means over the classes whose AUROC is defined. */
export function aurocAverages(
  aurocs: readonly (number | null)[],
  supports: readonly number[],
): { macro: number | null; weighted: number | null } {
  let sum = 0;
  let count = 0;
  let weightedSum = 0;
  let weightSum = 0;
  for (let c = 0; c < aurocs.length; c++) {
    const auroc = aurocs[c];
    if (auroc === null || auroc === undefined) continue;
    const support = supports[c] ?? 0;
    sum += auroc;
    count++;
    weightedSum += auroc * support;
    weightSum += support;
  }
  return { macro: ratio(sum, count), weighted: ratio(weightedSum, weightSum) };
}

/**
 * sklearn's _nanaverage: the (weighted) mean of the values that are defined; null if none is.
 * When the weights of the defined values sum to zero, their plain mean.
 */
export function nanAverage(values: readonly (number | null)[], weights?: readonly number[]): number | null {
  let sum = 0;
  let count = 0;
  let weightedSum = 0;
  let weightSum = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined || Number.isNaN(value)) continue;
    sum += value;
    count++;
    const weight = weights?.[i] ?? 0;
    weightedSum += value * weight;
    weightSum += weight;
  }
  if (count === 0) return null;
  if (weights === undefined || weightSum === 0) return sum / count;
  return weightedSum / weightSum;
}

/** np.nanmean, with null for "no value defined". */
export function nanMean(values: ArrayLike<number>): number | null {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? Number.NaN;
    if (Number.isNaN(value)) continue;
    sum += value;
    count++;
  }
  return ratio(sum, count);
}

function perClassAurocs(
  labels: readonly (readonly Label[])[],
  scores: readonly ArrayLike<number>[],
): [(number | null)[], number[]] {
  checkShapes(labels, scores);
  const aurocs: (number | null)[] = [];
  const supports: number[] = [];
  labels.forEach((classLabels, c) => {
    const classScores = scores[c] ?? [];
    const keptLabels: number[] = [];
    const keptScores: number[] = [];
    for (let row = 0; row < classLabels.length; row++) {
      const label = classLabels[row];
      if (label === null || label === undefined) continue;
      keptLabels.push(label);
      keptScores.push(classScores[row] ?? Number.NaN);
    }
    aurocs.push(rocAuc(keptLabels, keptScores));
    supports.push(keptLabels.reduce((total, label) => total + label, 0));
  });
  return [aurocs, supports];
}

/** Same number of classes on both sides, every class over the same n rows; returns n. */
function checkShapes(labels: readonly (readonly Label[])[], other: readonly ArrayLike<number>[]): number {
  if (labels.length !== other.length) {
    throw new BugError(`Multi-label metrics: ${labels.length} label columns but ${other.length} prediction columns.`);
  }
  const n = labels[0]?.length ?? 0;
  labels.forEach((classLabels, c) => {
    assertSameLength(`Multi-label metrics, class ${c}`, classLabels, other[c] ?? []);
    if (classLabels.length !== n) {
      throw new BugError(`Multi-label metrics: class ${c} has ${classLabels.length} rows, class 0 has ${n}.`);
    }
    assertBinaryLabels(`Multi-label metrics, class ${c}`, classLabels, { allowNull: true });
  });
  return n;
}
