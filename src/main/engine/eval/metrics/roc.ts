/**
 * Binary ROC curve and its area, exactly as scikit-learn 1.5 computes them:
 *
 * - `rocCurve` is `roc_curve(y, s, drop_intermediate=True)`: the distinct scores in descending
 *   order are the thresholds, tps/fps are the cumulative positives/negatives at or above each,
 *   points in the middle of a straight segment are dropped
 *   (`np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])`), then (0, 0)
 *   is prepended with threshold +Infinity.
 * - `rocAuc` is binary `roc_auc_score`: the trapezoid area under that curve, which equals the
 *   Mann–Whitney U statistic / (P·N) with ties between a positive and a negative counted 1/2.
 *
 * Where sklearn would raise or return NaN (only one class present) these return null.
 */
import type { RocCurve } from '../../../../shared/api/metrics-schemas';
import { assertBinaryLabels, assertFiniteScores, assertSameLength } from './validate';

export { RocCurveSchema, ThresholdValueSchema, type RocCurve } from '../../../../shared/api/metrics-schemas';

/** sklearn roc_curve(labels, scores, drop_intermediate=True); null when only one class is present. */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocCurve | null {
  assertSameLength('rocCurve', labels, scores);
  assertBinaryLabels('rocCurve', labels);
  assertFiniteScores('rocCurve', scores);

  // _binary_clf_curve: one point per distinct score, highest first.
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => score(scores, b) - score(scores, a));
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k] ?? 0;
    if (labels[row] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    const value = score(scores, row);
    if (next === undefined || score(scores, next) !== value) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(value);
    }
  }
  if (tp === 0 || fp === 0) return null;

  const keep = dropIntermediate(fps, tps);
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Number.POSITIVE_INFINITY] };
  for (const i of keep) {
    curve.fpr.push((fps[i] ?? 0) / fp);
    curve.tpr.push((tps[i] ?? 0) / tp);
    curve.thresholds.push(thresholds[i] ?? 0);
  }
  return curve;
}

/** sklearn roc_auc_score for binary labels; null when only one class is present. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const curve = rocCurve(labels, scores);
  return curve === null ? null : trapezoidArea(curve.fpr, curve.tpr);
}

/** np.trapz(y, x) for x non-decreasing (sklearn's auc with direction 1). */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) {
    area += (((x[i] ?? 0) - (x[i - 1] ?? 0)) * ((y[i] ?? 0) + (y[i - 1] ?? 0))) / 2;
  }
  return area;
}

/** Indices kept by drop_intermediate: the ends, and every point where the curve bends. */
function dropIntermediate(fps: readonly number[], tps: readonly number[]): number[] {
  const count = fps.length;
  if (count <= 2) return Array.from({ length: count }, (_, i) => i);
  const keep = [0];
  for (let i = 1; i < count - 1; i++) {
    const fpBend = (fps[i + 1] ?? 0) - 2 * (fps[i] ?? 0) + (fps[i - 1] ?? 0);
    const tpBend = (tps[i + 1] ?? 0) - 2 * (tps[i] ?? 0) + (tps[i - 1] ?? 0);
    if (fpBend !== 0 || tpBend !== 0) keep.push(i);
  }
  keep.push(count - 1);
  return keep;
}

function score(scores: ArrayLike<number>, row: number): number {
  return scores[row] ?? Number.NaN;
}
