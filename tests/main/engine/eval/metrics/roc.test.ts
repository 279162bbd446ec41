import { describe, expect, it } from 'vitest';
import { BugError } from '../../../../../src/shared/errors';
import { aucRanking, weightedAuc } from '../../../../../src/main/engine/eval/metrics/ranked-auc';
import { RocCurveSchema, rocAuc, rocCurve } from '../../../../../src/main/engine/eval/metrics/roc';
import { SeededRandom } from '../../../../../src/shared/seeded-random';

const INF = Number.POSITIVE_INFINITY;

function expectArrayClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((value, i) => {
    if (value === INF) expect(actual[i]).toBe(INF);
    else expect(actual[i]).toBeCloseTo(value, 12);
  });
}

describe('rocAuc', () => {
  it('is 0.75 for labels [0,0,1,1] and scores [0.1,0.4,0.35,0.8]', () => {
    // Positive–negative pairs: 0.35>0.1 ✓, 0.35<0.4 ✗, 0.8>0.1 ✓, 0.8>0.4 ✓ → 3/4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('counts every pair tied at one score as 1/2', () => {
    // All four pairs tie → 4 · 1/2 / 4 = 0.5.
    expect(rocAuc([0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('counts a tie across the classes as 1/2 and a tie within a class as nothing special', () => {
    // labels [0,1,1,0,1], scores [0.2,0.6,0.6,0.6,0.9]: P=3, N=2.
    // pos 0.9 beats both negatives: 2; each pos 0.6 ties neg 0.6 (1/2) and beats 0.2 (1): 2 · 1.5 = 3.
    // (2 + 3) / 6 = 5/6.
    expect(rocAuc([0, 1, 1, 0, 1], [0.2, 0.6, 0.6, 0.6, 0.9])).toBeCloseTo(5 / 6, 12);
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])).toBe(0);
  });

  it('is null when only one class is present', () => {
    expect(rocAuc([0, 0, 0], [0.1, 0.2, 0.3])).toBeNull();
    expect(rocAuc([1, 1], [0.1, 0.2])).toBeNull();
    expect(rocAuc([], [])).toBeNull();
  });

  it('rejects mismatched lengths, non-finite scores and labels other than 0/1', () => {
    expect(() => rocAuc([0, 1], [0.5])).toThrow(BugError);
    expect(() => rocAuc([0, 1], [0.5, Number.NaN])).toThrow(BugError);
    expect(() => rocAuc([0, 1], [0.5, INF])).toThrow(BugError);
    expect(() => rocAuc([0, 2], [0.5, 0.6])).toThrow(BugError);
  });
});

describe('rocCurve (drop_intermediate=True)', () => {
  it('drops a point in the middle of a horizontal segment and keeps the first point', () => {
    // labels [1,1,0,0,1,0], scores [.9,.8,.7,.6,.5,.4] (all distinct, already descending).
    // tps = [1,2,2,2,3,3], fps = [0,0,1,2,2,3].
    // np.diff(fps, 2) = diff([0,1,1,0,1]) = [1,0,-1,1]; np.diff(tps, 2) = diff([1,0,0,1,0]) = [-1,0,1,-1].
    // r_[True, [T,F,T,T], True] keeps 0,1,3,4,5: the point at 0.7, (1,2), is dropped.
    // Point 0 ((0,1), on the vertical segment from (0,0)) is kept: the first is always kept.
    const curve = rocCurve([1, 1, 0, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]);
    expect(curve).not.toBeNull();
    expectArrayClose(curve?.thresholds ?? [], [INF, 0.9, 0.8, 0.6, 0.5, 0.4]);
    expectArrayClose(curve?.fpr ?? [], [0, 0, 0, 2 / 3, 2 / 3, 1]);
    expectArrayClose(curve?.tpr ?? [], [0, 1 / 3, 2 / 3, 2 / 3, 1, 1]);
    // Pairs: 0.9 and 0.8 beat all 3 negatives (6), 0.5 beats 0.4 (1) → 7/9.
    expect(rocAuc([1, 1, 0, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4])).toBeCloseTo(7 / 9, 12);
  });

  it('drops points inside a vertical and a horizontal run, whatever the input order', () => {
    // Sorted: P.9 P.8 P.7 N.6 P.5 N.4 P.3 N.2 N.1 (given shuffled below). P=5, N=4.
    // tps = [1,2,3,3,4,4,5,5,5], fps = [0,0,0,1,1,2,2,3,4].
    // diff(fps) = [0,0,1,0,1,0,1,1] → diff² = [0,1,-1,1,-1,1,0].
    // diff(tps) = [1,1,0,1,0,1,0,0] → diff² = [0,-1,1,-1,1,-1,0].
    // Keep = [T, F, T, T, T, T, T, F, T]: thresholds 0.8 and 0.2 are dropped.
    const labels = [0, 1, 1, 0, 1, 1, 0, 0, 1];
    const scores = [0.4, 0.9, 0.3, 0.1, 0.7, 0.5, 0.6, 0.2, 0.8];
    const curve = rocCurve(labels, scores);
    expectArrayClose(curve?.thresholds ?? [], [INF, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.1]);
    expectArrayClose(curve?.fpr ?? [], [0, 0, 0, 0.25, 0.25, 0.5, 0.5, 1]);
    expectArrayClose(curve?.tpr ?? [], [0, 0.2, 0.6, 0.6, 0.8, 0.8, 1, 1]);
    // Pairs: .9,.8,.7 beat all 4 (12); .5 beats .4,.2,.1 (3); .3 beats .2,.1 (2) → 17/20.
    expect(rocAuc(labels, scores)).toBeCloseTo(0.85, 12);
  });

  it('gives one point per distinct score when scores tie', () => {
    // labels [0,1,1,0,1], scores [.2,.6,.6,.6,.9]: distinct thresholds .9, .6, .2;
    // tps = [1,3,3], fps = [0,1,2]; diff²(fps) = [0], diff²(tps) = [-2] → nothing dropped.
    const curve = rocCurve([0, 1, 1, 0, 1], [0.2, 0.6, 0.6, 0.6, 0.9]);
    expectArrayClose(curve?.thresholds ?? [], [INF, 0.9, 0.6, 0.2]);
    expectArrayClose(curve?.fpr ?? [], [0, 0, 0.5, 1]);
    expectArrayClose(curve?.tpr ?? [], [0, 1 / 3, 1, 1]);
  });

  it('keeps both points when there are only two distinct scores', () => {
    // len(fps) = 2 is not > 2, so nothing is dropped: tps [1,1], fps [0,1].
    const curve = rocCurve([1, 0], [0.7, 0.3]);
    expect(curve).toEqual({ fpr: [0, 0, 1], tpr: [0, 1, 1], thresholds: [INF, 0.7, 0.3] });
  });

  it('is null when only one class is present', () => {
    expect(rocCurve([1, 1, 1], [0.1, 0.2, 0.3])).toBeNull();
  });

  it('survives JSON, where +Infinity becomes null, through RocCurveSchema', () => {
    const curve = rocCurve([1, 0], [0.7, 0.3]);
    const back = RocCurveSchema.parse(JSON.parse(JSON.stringify(curve)));
    expect(back.thresholds[0]).toBe(INF);
    expect(back).toEqual(curve);
  });
});

describe('weightedAuc (the bootstrap fast path)', () => {
  it('equals rocAuc on random data with many ties', () => {
    const random = new SeededRandom(7);
    const labels = Array.from({ length: 300 }, () => (random.next() < 0.3 ? 1 : 0));
    const scores = Array.from({ length: 300 }, () => Math.round(random.next() * 20) / 20);
    const ranking = aucRanking(labels, scores);
    expect(weightedAuc(ranking, new Int32Array(300).fill(1))).toBeCloseTo(rocAuc(labels, scores) ?? Number.NaN, 12);
  });

  it('counts a row drawn twice twice and a row not drawn not at all', () => {
    // labels [0,0,1,1], scores [.1,.4,.35,.8] with draws [1,2,1,0]:
    // rows: neg .1, neg .4, neg .4, pos .35 → .35 beats .1 only: 1/3.
    const ranking = aucRanking([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(weightedAuc(ranking, [1, 2, 1, 0])).toBeCloseTo(rocAuc([0, 0, 0, 1], [0.1, 0.4, 0.4, 0.35]) ?? 0, 12);
    expect(weightedAuc(ranking, [1, 2, 1, 0])).toBeCloseTo(1 / 3, 12);
    expect(weightedAuc(ranking, [1, 1, 0, 0])).toBeNull();
  });

  it('leaves rows with a null label out', () => {
    const ranking = aucRanking([0, null, 1, 1], [0.1, 0.9, 0.35, 0.8]);
    expect(ranking.rows).toHaveLength(3);
    expect(weightedAuc(ranking, [1, 1, 1, 1])).toBe(1);
  });
});
