/**
 * Confusion counts and the binary metrics derived from them, as scikit-learn 1.5 defines them with
 * zero_division=np.nan: a metric whose denominator is zero is null (undefined), never 0.
 *
 *   accuracy    = (tp + tn) / n
 *   precision   = tp / (tp + fp)
 *   recall      = tp / (tp + fn)            (sensitivity)
 *   specificity = tn / (tn + fp)
 *   f1          = 2tp / (2tp + fp + fn)     (sklearn ≥ 1.3 computes F from the counts, so F is 0,
 *                                            not undefined, when only precision is undefined)
 */
import type { ConfusionCounts } from '../../../../shared/api/metrics-schemas';
import { assertBinaryLabels, assertSameLength, ratio } from './validate';

export { ConfusionCountsSchema, type ConfusionCounts } from '../../../../shared/api/metrics-schemas';

export interface BinaryMetrics {
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  specificity: number | null;
  f1: number | null;
  /** Rows whose label is positive. */
  support: number;
  /** Rows counted (labelled rows). */
  n: number;
}

/** Counts over the rows that have a label; a null label leaves its row out. */
export function confusionCounts(labels: ArrayLike<number | null>, preds: ArrayLike<number>): ConfusionCounts {
  assertSameLength('confusionCounts', labels, preds);
  assertBinaryLabels('confusionCounts', labels, { allowNull: true });
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === null) continue;
    const predicted = preds[i] === 1;
    if (label === 1) {
      if (predicted) counts.tp++;
      else counts.fn++;
    } else if (predicted) counts.fp++;
    else counts.tn++;
  }
  return counts;
}

export function binaryMetrics(counts: ConfusionCounts): BinaryMetrics {
  const { tp, fp, tn, fn } = counts;
  const n = tp + fp + tn + fn;
  return {
    accuracy: ratio(tp + tn, n),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    support: tp + fn,
    n,
  };
}
