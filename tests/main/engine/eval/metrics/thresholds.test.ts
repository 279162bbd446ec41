import { describe, expect, it } from 'vitest';
import { BugError } from '../../../../../src/shared/errors';
import { ThresholdRuleSchema, chooseThreshold, predict } from '../../../../../src/main/engine/eval/metrics/thresholds';

// Sorted: P.9 P.8 P.7 N.6 P.5 N.4 P.3 N.2 N.1 (P=5, N=4). ROC after drop_intermediate
// (worked out in roc.test.ts):
//   threshold  ∞    .9   .7   .6    .5    .4   .3   .1
//   fpr        0    0    0    .25   .25   .5   .5   1
//   tpr        0    .2   .6   .6    .8    .8   1    1
//   tpr−fpr    0    .2   .6   .35   .55   .3   .5   0        → youden: 0.7
//   distance   1    .8   .4   .472  .320  .539 .5   1        → closest to (0,1): 0.5
// (distance = sqrt(fpr² + (1−tpr)²), e.g. at .5: sqrt(.0625 + .04) = .3202.)
const LABELS = [0, 1, 1, 0, 1, 1, 0, 0, 1];
const SCORES = [0.4, 0.9, 0.3, 0.1, 0.7, 0.5, 0.6, 0.2, 0.8];

describe('chooseThreshold', () => {
  it("'argmax' is score > 0.5, whatever the labels", () => {
    const chosen = chooseThreshold({ kind: 'argmax' }, LABELS, SCORES);
    expect(chosen).toEqual({ rule: { kind: 'argmax' }, threshold: 0.5, inclusive: false });
    // A tie of the two logits (softmax 0.5) goes to "negative", as np.argmax([neg, pos]).
    expect(Array.from(predict([0.5, 0.5000001, 0.4999], chosen))).toEqual([0, 1, 0]);
  });

  it("'youden' picks the largest tpr − fpr (0.7 here), inclusive", () => {
    const chosen = chooseThreshold({ kind: 'youden' }, LABELS, SCORES);
    expect(chosen.threshold).toBe(0.7);
    expect(chosen.inclusive).toBe(true);
    expect(chosen.note).toBeUndefined();
    // score >= 0.7: .9, .7, .8 → the three top positives.
    expect(Array.from(predict(SCORES, chosen))).toEqual([0, 1, 0, 0, 1, 0, 0, 0, 1]);
  });

  it("'closest-to-corner' picks the point nearest (0,1) (0.5 here), inclusive", () => {
    const chosen = chooseThreshold({ kind: 'closest-to-corner' }, LABELS, SCORES);
    expect(chosen.threshold).toBe(0.5);
    expect(chosen.inclusive).toBe(true);
    // score >= 0.5 includes the score equal to the threshold.
    expect(Array.from(predict(SCORES, chosen))).toEqual([0, 1, 0, 0, 1, 1, 1, 0, 1]);
  });

  it('breaks ties by the first ROC point (highest threshold)', () => {
    // labels [1,0,1,0], scores [.8,.6,.4,.2]: points (0,0)∞ (0,.5).8 (.5,.5).6 (.5,1).4 (1,1).2,
    // none dropped (diff²(fps) = [-1,1], diff²(tps) = [1,-1]).
    // tpr−fpr = [0, .5, 0, .5, 0] and distance = [1, .5, .707, .5, 1]: both tie at .8 and .4.
    const labels = [1, 0, 1, 0];
    const scores = [0.8, 0.6, 0.4, 0.2];
    expect(chooseThreshold({ kind: 'youden' }, labels, scores).threshold).toBe(0.8);
    expect(chooseThreshold({ kind: 'closest-to-corner' }, labels, scores).threshold).toBe(0.8);
  });

  it('can choose the +Infinity point, which predicts nothing positive', () => {
    // A reversed ranking: points (0,0)∞ (1,0).9 (1,1).1 → tpr−fpr = [0, −1, 0]: the first, ∞.
    const chosen = chooseThreshold({ kind: 'youden' }, [0, 1], [0.9, 0.1]);
    expect(chosen.threshold).toBe(Number.POSITIVE_INFINITY);
    expect(Array.from(predict([0.9, 0.1], chosen))).toEqual([0, 0]);
  });

  it("'fixed' uses the value, inclusive", () => {
    const chosen = chooseThreshold({ kind: 'fixed', value: 0.3 }, LABELS, SCORES);
    expect(chosen).toEqual({ rule: { kind: 'fixed', value: 0.3 }, threshold: 0.3, inclusive: true });
    expect(Array.from(predict([0.3, 0.29], chosen))).toEqual([1, 0]);
  });

  it('falls back to argmax with a note when only one class is present', () => {
    for (const kind of ['youden', 'closest-to-corner'] as const) {
      const chosen = chooseThreshold({ kind }, [0, 0, 0], [0.2, 0.7, 0.5]);
      expect(chosen.threshold).toBe(0.5);
      expect(chosen.inclusive).toBe(false);
      expect(chosen.note).toMatch(/one class/);
    }
  });

  it('rejects a non-finite fixed value and non-finite scores', () => {
    expect(() => chooseThreshold({ kind: 'fixed', value: Number.NaN }, [], [])).toThrow(BugError);
    expect(() => predict([Number.NaN], { threshold: 0.5, inclusive: true })).toThrow(BugError);
  });
});

describe('ThresholdRuleSchema', () => {
  it('accepts the four rules and rejects anything else', () => {
    expect(ThresholdRuleSchema.parse({ kind: 'youden' })).toEqual({ kind: 'youden' });
    expect(ThresholdRuleSchema.parse({ kind: 'fixed', value: 0.2 })).toEqual({ kind: 'fixed', value: 0.2 });
    expect(ThresholdRuleSchema.safeParse({ kind: 'fixed' }).success).toBe(false);
    expect(ThresholdRuleSchema.safeParse({ kind: 'median' }).success).toBe(false);
  });
});
