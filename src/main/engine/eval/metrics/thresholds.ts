/**
 * Turning zero-shot scores into yes/no predictions. A score is the probability of "positive"
 * (sigmoid(pos − neg), or the softmax over the pair of prompts), so:
 *
 * - 'argmax': the larger of the two logits wins, and np.argmax([neg, pos]) picks neg on a tie:
 *   positive iff score > 0.5 (not inclusive).
 * - 'closest-to-corner': the ROC point nearest (0, 1), sqrt(fpr² + (1 − tpr)²); positive iff
 *   score >= its threshold.
 * - 'youden': the ROC point with the largest tpr − fpr; positive iff score >= its threshold.
 * - 'fixed': positive iff score >= value.
 *
 * Ties between ROC points go to the first in sklearn's order (highest threshold first), as
 * np.argmin / np.argmax do. The ROC points are `rocCurve`'s (drop_intermediate=True, with the
 * leading +Infinity threshold, which predicts nothing positive). Where the ROC is undefined (one
 * class only), the two ROC rules fall back to 'argmax' and say so in `note`.
 */
import { BugError } from '../../../../shared/errors';
import type { ChosenThreshold, ThresholdRule } from '../../../../shared/api/metrics-schemas';
import { rocCurve } from './roc';
import { assertFiniteScores } from './validate';

export {
  ChosenThresholdSchema,
  ThresholdRuleSchema,
  type ChosenThreshold,
  type ThresholdRule,
} from '../../../../shared/api/metrics-schemas';

const ARGMAX_THRESHOLD = 0.5;

export function chooseThreshold(
  rule: ThresholdRule,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): ChosenThreshold {
  switch (rule.kind) {
    case 'argmax':
      return { rule, threshold: ARGMAX_THRESHOLD, inclusive: false };
    case 'fixed':
      if (!Number.isFinite(rule.value)) throw new BugError(`A fixed threshold must be finite (got ${rule.value}).`);
      return { rule, threshold: rule.value, inclusive: true };
    case 'closest-to-corner':
    case 'youden': {
      const curve = rocCurve(labels, scores);
      if (curve === null) {
        return {
          rule,
          threshold: ARGMAX_THRESHOLD,
          inclusive: false,
          note: `Only one class is present, so the ROC curve is undefined; fell back to argmax (score > ${ARGMAX_THRESHOLD}).`,
        };
      }
      const objective =
        rule.kind === 'youden'
          ? (fpr: number, tpr: number) => tpr - fpr
          : (fpr: number, tpr: number) => -Math.sqrt(fpr * fpr + (1 - tpr) * (1 - tpr));
      let best = 0;
      let bestValue = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < curve.thresholds.length; i++) {
        const value = objective(curve.fpr[i] ?? 0, curve.tpr[i] ?? 0);
        if (value > bestValue) {
          best = i;
          bestValue = value;
        }
      }
      return { rule, threshold: curve.thresholds[best] ?? ARGMAX_THRESHOLD, inclusive: true };
    }
  }
}

/** 1 where the score is on the positive side of the chosen threshold. */
export function predict(
  scores: ArrayLike<number>,
  chosen: Pick<ChosenThreshold, 'threshold' | 'inclusive'>,
): Uint8Array {
  assertFiniteScores('predict', scores);
  const { threshold, inclusive } = chosen;
  const preds = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] ?? 0;
    preds[i] = (inclusive ? score >= threshold : score > threshold) ? 1 : 0;
  }
  return preds;
}
