import { describe, expect, it } from 'vitest';
import { BugError } from '../../../../../src/shared/errors';
import { binaryMetrics, confusionCounts } from '../../../../../src/main/engine/eval/metrics/binary-metrics';

describe('confusionCounts', () => {
  it('counts each cell', () => {
    // rows: 0 TP, 1 FN, 2 TP, 3 FP, 4 TN, 5 TN, 6 TN, 7 FN.
    expect(confusionCounts([1, 1, 1, 0, 0, 0, 0, 1], [1, 0, 1, 1, 0, 0, 0, 0])).toEqual({ tp: 2, fp: 1, tn: 3, fn: 2 });
  });

  it('leaves rows with a null label out', () => {
    expect(confusionCounts([1, null, 0], [1, 1, 1])).toEqual({ tp: 1, fp: 1, tn: 0, fn: 0 });
  });

  it('rejects mismatched lengths and bad labels', () => {
    expect(() => confusionCounts([1, 0], [1])).toThrow(BugError);
    expect(() => confusionCounts([1, 3], [1, 0])).toThrow(BugError);
  });
});

describe('binaryMetrics', () => {
  it('matches the hand-computed values', () => {
    // tp 2, fp 1, tn 3, fn 2: n 8; accuracy 5/8; precision 2/3; recall 2/4; specificity 3/4;
    // f1 = 4 / (4 + 1 + 2) = 4/7.
    const metrics = binaryMetrics({ tp: 2, fp: 1, tn: 3, fn: 2 });
    expect(metrics.accuracy).toBeCloseTo(5 / 8, 12);
    expect(metrics.precision).toBeCloseTo(2 / 3, 12);
    expect(metrics.recall).toBeCloseTo(0.5, 12);
    expect(metrics.specificity).toBeCloseTo(0.75, 12);
    expect(metrics.f1).toBeCloseTo(4 / 7, 12);
    expect(metrics.support).toBe(4);
    expect(metrics.n).toBe(8);
  });

  it('has null precision, recall and F1 when there is no positive and none predicted', () => {
    // tp 0 fp 0 tn 3 fn 0: precision 0/0, recall 0/0, F1 0/0 → null; specificity 3/3.
    expect(binaryMetrics({ tp: 0, fp: 0, tn: 3, fn: 0 })).toEqual({
      accuracy: 1,
      precision: null,
      recall: null,
      specificity: 1,
      f1: null,
      support: 0,
      n: 3,
    });
  });

  it('has null precision but F1 0 when positives exist and none is predicted (sklearn ≥ 1.3)', () => {
    // tp 0 fp 0 tn 1 fn 1: precision 0/0 → null; recall 0/1 = 0; F1 = 0 / (0 + 0 + 1) = 0.
    const metrics = binaryMetrics({ tp: 0, fp: 0, tn: 1, fn: 1 });
    expect(metrics.precision).toBeNull();
    expect(metrics.recall).toBe(0);
    expect(metrics.f1).toBe(0);
  });

  it('has null specificity with no negative, and everything null but the counts when empty', () => {
    expect(binaryMetrics({ tp: 2, fp: 0, tn: 0, fn: 0 }).specificity).toBeNull();
    expect(binaryMetrics({ tp: 0, fp: 0, tn: 0, fn: 0 })).toEqual({
      accuracy: null,
      precision: null,
      recall: null,
      specificity: null,
      f1: null,
      support: 0,
      n: 0,
    });
  });
});
