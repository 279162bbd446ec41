import { describe, expect, it } from 'vitest';
import { BugError } from '../../../../../src/shared/errors';
import {
  type Label,
  macroAuroc,
  nanAverage,
  precisionRecallF1,
  subsetAccuracy,
  weightedAuroc,
} from '../../../../../src/main/engine/eval/metrics/multilabel-metrics';

// Three classes over five rows (columns are rows 0..4).
//   A labels 1 0 1 0 0  preds 1 1 0 0 0 → tp1 fp1 fn1 tn2: P .5, R .5, F 2/(2+1+1) = .5, support 2
//   B labels 0 0 0 0 0  preds 0 1 0 0 0 → tp0 fp1 fn0 tn4: P 0,  R null, F 0/(0+1+0) = 0, support 0
//   C labels 1 1 1 0 0  preds 1 1 1 1 0 → tp3 fp1 fn0 tn1: P .75, R 1, F 6/(6+1) = 6/7, support 3
const LABELS: Label[][] = [
  [1, 0, 1, 0, 0],
  [0, 0, 0, 0, 0],
  [1, 1, 1, 0, 0],
];
const PREDS = [
  [1, 1, 0, 0, 0],
  [0, 1, 0, 0, 0],
  [1, 1, 1, 1, 0],
];

describe('precisionRecallF1', () => {
  const result = precisionRecallF1(LABELS, PREDS);

  it('micro: from the summed counts', () => {
    // tp 4, fp 3, fn 1: P 4/7, R 4/5, F 8/(8+3+1) = 2/3.
    expect(result.micro.precision).toBeCloseTo(4 / 7, 12);
    expect(result.micro.recall).toBeCloseTo(0.8, 12);
    expect(result.micro.f1).toBeCloseTo(2 / 3, 12);
  });

  it('macro: the mean over classes, leaving undefined values out', () => {
    // P (.5 + 0 + .75)/3 = 5/12; R (.5 + 1)/2 = .75 (B's null left out); F (.5 + 0 + 6/7)/3 = 19/42.
    expect(result.macro.precision).toBeCloseTo(5 / 12, 12);
    expect(result.macro.recall).toBeCloseTo(0.75, 12);
    expect(result.macro.f1).toBeCloseTo(19 / 42, 12);
  });

  it('weighted: by support (2, 0, 3)', () => {
    // P (2·.5 + 0·0 + 3·.75)/5 = .65; R (2·.5 + 3·1)/5 = .8; F (2·.5 + 3·6/7)/5 = 5/7.
    expect(result.weighted.precision).toBeCloseTo(0.65, 12);
    expect(result.weighted.recall).toBeCloseTo(0.8, 12);
    expect(result.weighted.f1).toBeCloseTo(5 / 7, 12);
  });

  it('samples: per row, averaged over the rows where defined', () => {
    // row 0: true {A,C}, pred {A,C}   → P 1,   R 1,    F 1
    // row 1: true {C},   pred {A,B,C} → P 1/3, R 1,    F 2/(1+3) = .5
    // row 2: true {A,C}, pred {C}     → P 1,   R .5,   F 2/(2+1) = 2/3
    // row 3: true {},    pred {C}     → P 0,   R null, F 0/(0+1) = 0
    // row 4: true {},    pred {}      → all null (left out)
    // P (1 + 1/3 + 1 + 0)/4 = 7/12; R (1 + 1 + .5)/3 = 5/6; F (1 + .5 + 2/3 + 0)/4 = 13/24.
    expect(result.samples.precision).toBeCloseTo(7 / 12, 12);
    expect(result.samples.recall).toBeCloseTo(5 / 6, 12);
    expect(result.samples.f1).toBeCloseTo(13 / 24, 12);
  });

  it('weighted leaves out classes whose value is undefined, even with support', () => {
    // D labels [1,1,0] preds [0,0,0]: P null, R 0, F 0, support 2.
    // E labels [1,0,0] preds [1,1,0]: P .5, R 1, F 2/3, support 1.
    // weighted P = .5 (D left out); R (2·0 + 1·1)/3 = 1/3; F (2·0 + 1·2/3)/3 = 2/9. macro R = .5, F = 1/3.
    const r = precisionRecallF1(
      [
        [1, 1, 0],
        [1, 0, 0],
      ],
      [
        [0, 0, 0],
        [1, 1, 0],
      ],
    );
    expect(r.weighted.precision).toBeCloseTo(0.5, 12);
    expect(r.weighted.recall).toBeCloseTo(1 / 3, 12);
    expect(r.weighted.f1).toBeCloseTo(2 / 9, 12);
    expect(r.macro.recall).toBeCloseTo(0.5, 12);
    expect(r.macro.f1).toBeCloseTo(1 / 3, 12);
  });

  it('weighted falls back to the plain mean when no class has support (as _nanaverage)', () => {
    // A labels [0,0] preds [1,0]: P 0, R null, F 0; B all zero: everything null.
    const r = precisionRecallF1(
      [
        [0, 0],
        [0, 0],
      ],
      [
        [1, 0],
        [0, 0],
      ],
    );
    expect(r.weighted).toEqual({ precision: 0, recall: null, f1: 0 });
    expect(r.micro).toEqual({ precision: 0, recall: null, f1: 0 });
  });

  it('leaves a null label out of its class and its row out of samples', () => {
    // A's row 3 (label 0, pred 0: a true negative) becomes null: A's P/R/F are unchanged.
    // samples over rows 0, 1, 2: P (1 + 1/3 + 1)/3 = 7/9; R (1 + 1 + .5)/3 = 5/6; F (1 + .5 + 2/3)/3 = 13/18.
    const labels: Label[][] = [[1, 0, 1, null, 0], LABELS[1] ?? [], LABELS[2] ?? []];
    const r = precisionRecallF1(labels, PREDS);
    expect(r.macro.precision).toBeCloseTo(5 / 12, 12);
    expect(r.samples.precision).toBeCloseTo(7 / 9, 12);
    expect(r.samples.recall).toBeCloseTo(5 / 6, 12);
    expect(r.samples.f1).toBeCloseTo(13 / 18, 12);
  });

  it('rejects columns of different lengths', () => {
    expect(() => precisionRecallF1([[1, 0], [1]], [[1, 0], [1]])).toThrow(BugError);
    expect(() => precisionRecallF1([[1, 0]], [])).toThrow(BugError);
  });
});

describe('subsetAccuracy', () => {
  it('is the exact-match ratio', () => {
    // Rows 0 and 4 match exactly → 2/5.
    expect(subsetAccuracy(LABELS, PREDS)).toBeCloseTo(0.4, 12);
  });

  it('leaves rows with a missing label out, and is null with no row left', () => {
    // Row 3 left out → rows 0, 1, 2, 4 → 2/4.
    expect(subsetAccuracy([[1, 0, 1, null, 0], LABELS[1] ?? [], LABELS[2] ?? []], PREDS)).toBe(0.5);
    expect(subsetAccuracy([[null]], [[1]])).toBeNull();
  });
});

describe('macroAuroc / weightedAuroc', () => {
  // A labels [1,0,1,0,0] scores [.9,.8,.3,.2,.1]: .9 beats 3, .3 beats 2 → 5/6 (support 2).
  // B has no positive → undefined, left out.
  // C labels [1,1,1,0,0] scores [.5,.5,.4,.5,.1]: each .5 ties .5 (1/2) and beats .1 → 3; .4 beats .1 → 1;
  //   4/6 = 2/3 (support 3).
  const labels: Label[][] = [
    [1, 0, 1, 0, 0],
    [0, 0, 0, 0, 0],
    [1, 1, 1, 0, 0],
  ];
  const scores = [
    [0.9, 0.8, 0.3, 0.2, 0.1],
    [0.1, 0.2, 0.3, 0.4, 0.5],
    [0.5, 0.5, 0.4, 0.5, 0.1],
  ];

  it('averages the defined AUROCs', () => {
    // macro (5/6 + 2/3)/2 = 3/4; weighted (2·5/6 + 3·2/3)/5 = 11/15.
    expect(macroAuroc(labels, scores)).toBeCloseTo(0.75, 12);
    expect(weightedAuroc(labels, scores)).toBeCloseTo(11 / 15, 12);
  });

  it('leaves null labels out of a class', () => {
    // C's row 3 (the negative at .5) null: C = 1 → macro (5/6 + 1)/2 = 11/12; weighted (5/3 + 3)/5 = 14/15.
    const withNull: Label[][] = [labels[0] ?? [], labels[1] ?? [], [1, 1, 1, null, 0]];
    expect(macroAuroc(withNull, scores)).toBeCloseTo(11 / 12, 12);
    expect(weightedAuroc(withNull, scores)).toBeCloseTo(14 / 15, 12);
  });

  it('is null when no class has a defined AUROC', () => {
    expect(macroAuroc([[0, 0]], [[0.1, 0.2]])).toBeNull();
    expect(weightedAuroc([[1, 1]], [[0.1, 0.2]])).toBeNull();
  });
});

describe('nanAverage', () => {
  it('is sklearn _nanaverage', () => {
    expect(nanAverage([1, null, 3])).toBe(2);
    expect(nanAverage([1, Number.NaN, 4], [1, 5, 3])).toBeCloseTo(13 / 4, 12);
    expect(nanAverage([1, 3], [0, 0])).toBe(2);
    expect(nanAverage([null, Number.NaN])).toBeNull();
    expect(nanAverage([])).toBeNull();
  });
});
