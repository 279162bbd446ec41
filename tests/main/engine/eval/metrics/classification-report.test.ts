import { describe, expect, it } from 'vitest';
import { BugError } from '../../../../../src/shared/errors';
import { SeededRandom } from '../../../../../src/shared/seeded-random';
import { binaryMetrics, confusionCounts } from '../../../../../src/main/engine/eval/metrics/binary-metrics';
import { bootstrapConfidenceIntervals } from '../../../../../src/main/engine/eval/metrics/bootstrap';
import {
  classificationReport,
  type ClassScores,
} from '../../../../../src/main/engine/eval/metrics/classification-report';
import {
  type Label,
  macroAuroc,
  precisionRecallF1,
  subsetAccuracy,
  weightedAuroc,
} from '../../../../../src/main/engine/eval/metrics/multilabel-metrics';
import { ClassificationReportSchema } from '../../../../../src/shared/api/metrics-schemas';
import { rocAuc, rocCurve } from '../../../../../src/main/engine/eval/metrics/roc';
import { chooseThreshold, predict } from '../../../../../src/main/engine/eval/metrics/thresholds';

/** Three findings over 80 studies: one informative, one with missing labels, one never present. */
function cohort(n = 80, seed = 1): ClassScores[] {
  const random = new SeededRandom(seed);
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const informative = Array.from({ length: n }, () => (random.next() < 0.35 ? 1 : 0));
  const partial = Array.from({ length: n }, (): Label => (random.next() < 0.15 ? null : random.next() < 0.5 ? 1 : 0));
  return [
    {
      name: 'lesion',
      labels: informative,
      scores: informative.map((label) => Math.round(sigmoid(random.normal() + 1.5 * label) * 50) / 50),
    },
    {
      name: 'cyst',
      labels: partial,
      scores: partial.map((label) => sigmoid(random.normal() + (label ?? 0))),
    },
    { name: 'absent', labels: Array.from({ length: n }, () => 0 as const), scores: partial.map(() => random.next()) },
  ];
}

/** The rows at `indices`, class by class (what a resample sees). */
function rowsAt<T>(values: readonly T[], indices: Int32Array): T[] {
  return Array.from(indices, (i) => values[i] as T);
}

function nonNull(labels: readonly Label[], scores: readonly number[]): [number[], number[]] {
  const keptLabels: number[] = [];
  const keptScores: number[] = [];
  labels.forEach((label, i) => {
    if (label === null) return;
    keptLabels.push(label);
    keptScores.push(scores[i] ?? Number.NaN);
  });
  return [keptLabels, keptScores];
}

describe('classificationReport', () => {
  it('matches the hand-computed binary case', () => {
    // labels [0,0,1,1], scores [.1,.4,.35,.8], argmax (score > .5): preds [0,0,0,1].
    // tp 1, fn 1, tn 2, fp 0: accuracy 3/4, precision 1, recall 1/2, specificity 1, F1 2/3; AUROC 3/4.
    const report = classificationReport([{ name: 'x', labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8] }], {
      kind: 'argmax',
    });
    const [x] = report.perClass;
    expect(x?.confusion).toEqual({ tp: 1, fp: 0, tn: 2, fn: 1 });
    expect(x?.auroc.estimate).toBeCloseTo(0.75, 12);
    expect(x?.accuracy.estimate).toBe(0.75);
    expect(x?.precision.estimate).toBe(1);
    expect(x?.recall.estimate).toBe(0.5);
    expect(x?.specificity.estimate).toBe(1);
    expect(x?.f1.estimate).toBeCloseTo(2 / 3, 12);
    expect(x?.threshold).toBe(0.5);
    expect(x?.thresholdInclusive).toBe(false);
    expect(x?.support).toBe(2);
    expect(x?.negatives).toBe(2);
    expect(report.n).toBe(4);
    expect(report.bootstrap).toEqual({ resamples: 1000, seed: 42, level: 0.95 });
  });

  it('repeats the one class under overall.binary for a binary task', () => {
    const [lesion] = cohort();
    const report = classificationReport(lesion ? [lesion] : [], { kind: 'youden' }, { resamples: 50 });
    const [only] = report.perClass;
    expect(report.overall.kind).toBe('binary');
    if (report.overall.kind !== 'binary' || only === undefined) throw new Error('expected a binary overall');
    expect(report.overall.binary).toEqual({
      auroc: only.auroc,
      accuracy: only.accuracy,
      precision: only.precision,
      recall: only.recall,
      specificity: only.specificity,
      f1: only.f1,
    });
  });

  it('gives a class with no positive a null AUROC and recall, without throwing', () => {
    const report = classificationReport(cohort(), { kind: 'youden' }, { resamples: 200 });
    const absent = report.perClass[2];
    expect(absent?.name).toBe('absent');
    expect(absent?.support).toBe(0);
    expect(absent?.roc).toBeNull();
    expect(absent?.auroc).toEqual({
      estimate: null,
      lower: null,
      upper: null,
      validResamples: 0,
      resamples: 200,
      level: 0.95,
    });
    expect(absent?.recall.estimate).toBeNull();
    expect(absent?.specificity.estimate).not.toBeNull();
    // Youden needs a ROC curve: argmax instead, and the report says so.
    expect(absent?.threshold).toBe(0.5);
    expect(absent?.thresholdInclusive).toBe(false);
    expect(absent?.note).toMatch(/one class/);
  });

  it('chooses each threshold once on the full set (null labels left out) and reports its ROC', () => {
    const classes = cohort();
    const report = classificationReport(classes, { kind: 'closest-to-corner' }, { resamples: 10 });
    classes.forEach((c, i) => {
      const [labels, scores] = nonNull(c.labels, c.scores);
      const chosen = chooseThreshold({ kind: 'closest-to-corner' }, labels, scores);
      expect(report.perClass[i]?.threshold).toBe(chosen.threshold);
      expect(report.perClass[i]?.roc).toEqual(rocCurve(labels, scores));
      expect(report.perClass[i]?.confusion).toEqual(confusionCounts(c.labels, predict(c.scores, chosen)));
    });
    const cyst = report.perClass[1];
    const labelled = classes[1]?.labels.filter((label) => label !== null).length ?? 0;
    expect((cyst?.support ?? 0) + (cyst?.negatives ?? 0)).toBe(labelled);
    expect(labelled).toBeLessThan(80);
  });

  it('has estimates equal to the metrics on the full set', () => {
    const classes = cohort();
    const report = classificationReport(classes, { kind: 'youden' }, { resamples: 10 });
    const labels = classes.map((c) => c.labels);
    const preds = classes.map((c, i) =>
      predict(c.scores, { threshold: report.perClass[i]?.threshold ?? 0, inclusive: true }),
    );
    classes.forEach((c, i) => {
      const [kept, scores] = nonNull(c.labels, c.scores);
      const auroc = rocAuc(kept, scores);
      if (auroc === null) expect(report.perClass[i]?.auroc.estimate).toBeNull();
      else expect(report.perClass[i]?.auroc.estimate).toBeCloseTo(auroc, 12);
      if (c.name === 'absent') return; // its threshold is argmax, not inclusive; checked above
      const metrics = binaryMetrics(confusionCounts(c.labels, preds[i] ?? []));
      expect(report.perClass[i]?.f1.estimate).toBe(metrics.f1);
      expect(report.perClass[i]?.specificity.estimate).toBe(metrics.specificity);
    });
    const absentPreds = predict(classes[2]?.scores ?? [], { threshold: 0.5, inclusive: false });
    const allPreds = [preds[0] ?? [], preds[1] ?? [], absentPreds];
    const expected = precisionRecallF1(labels, allPreds);
    if (report.overall.kind !== 'multilabel') throw new Error('expected a multi-label overall');
    const { overall } = report;
    for (const metric of ['precision', 'recall', 'f1'] as const) {
      for (const average of ['micro', 'macro', 'weighted', 'samples'] as const) {
        const value = expected[average][metric];
        if (value === null) expect(overall[metric][average].estimate).toBeNull();
        else expect(overall[metric][average].estimate).toBeCloseTo(value, 12);
      }
    }
    expect(overall.subsetAccuracy.estimate).toBeCloseTo(subsetAccuracy(labels, allPreds) ?? Number.NaN, 12);
    expect(overall.auroc.macro.estimate).toBeCloseTo(
      macroAuroc(
        labels,
        classes.map((c) => c.scores),
      ) ?? 0,
      12,
    );
    expect(overall.auroc.weighted.estimate).toBeCloseTo(
      weightedAuroc(
        labels,
        classes.map((c) => c.scores),
      ) ?? 0,
      12,
    );
  });

  it('bootstraps exactly each statistic, with the thresholds kept fixed, on the same resamples', () => {
    // Recompute some intervals by brute force: resample the rows, keep the full-set predictions,
    // and score with the reference functions. Same seed → the same draws.
    const classes = cohort();
    const options = { resamples: 300, seed: 9 };
    const report = classificationReport(classes, { kind: 'youden' }, options);
    const preds = classes.map((c, i) =>
      predict(c.scores, {
        threshold: report.perClass[i]?.threshold ?? 0,
        inclusive: report.perClass[i]?.thresholdInclusive ?? true,
      }),
    );
    const lesion = classes[0];
    if (lesion === undefined) throw new Error('no class');
    const brute = bootstrapConfidenceIntervals(
      80,
      {
        accuracy: (ix) =>
          binaryMetrics(confusionCounts(rowsAt(lesion.labels, ix), rowsAt(Array.from(preds[0] ?? []), ix))).accuracy,
        auroc: (ix) => rocAuc(rowsAt(lesion.labels, ix) as number[], rowsAt(lesion.scores, ix)),
        macroF1: (ix) =>
          precisionRecallF1(
            classes.map((c) => rowsAt(c.labels, ix)),
            preds.map((p) => rowsAt(Array.from(p), ix)),
          ).macro.f1,
        samplesRecall: (ix) =>
          precisionRecallF1(
            classes.map((c) => rowsAt(c.labels, ix)),
            preds.map((p) => rowsAt(Array.from(p), ix)),
          ).samples.recall,
        subset: (ix) =>
          subsetAccuracy(
            classes.map((c) => rowsAt(c.labels, ix)),
            preds.map((p) => rowsAt(Array.from(p), ix)),
          ),
      },
      options,
    );
    const close = (
      a: { lower: number | null; upper: number | null },
      b: { lower: number | null; upper: number | null },
    ) => {
      expect(a.lower).toBeCloseTo(b.lower ?? Number.NaN, 10);
      expect(a.upper).toBeCloseTo(b.upper ?? Number.NaN, 10);
    };
    const [first] = report.perClass;
    if (first === undefined || report.overall.kind !== 'multilabel') throw new Error('unexpected report');
    expect(first.accuracy).toEqual(brute.accuracy);
    close(first.auroc, brute.auroc);
    close(report.overall.f1.macro, brute.macroF1);
    close(report.overall.recall.samples, brute.samplesRecall);
    close(report.overall.subsetAccuracy, brute.subset);
    // And the intervals are real intervals.
    expect((first.auroc.upper ?? 0) - (first.auroc.lower ?? 0)).toBeGreaterThan(0.05);
    expect(first.auroc.lower ?? 1).toBeLessThan(first.auroc.estimate ?? 0);
  });

  it('is reproducible and validates against its schema, through JSON too', () => {
    const a = classificationReport(cohort(), { kind: 'youden' }, { resamples: 100, seed: 3 });
    const b = classificationReport(cohort(), { kind: 'youden' }, { resamples: 100, seed: 3 });
    const c = classificationReport(cohort(), { kind: 'youden' }, { resamples: 100, seed: 4 });
    expect(a).toEqual(b);
    expect(c.perClass[0]?.auroc.lower).not.toBe(a.perClass[0]?.auroc.lower);
    expect(ClassificationReportSchema.parse(a)).toEqual(a);
    const throughJson: unknown = JSON.parse(JSON.stringify(a));
    expect(ClassificationReportSchema.parse(throughJson)).toEqual(a);
    expect(a.perClass[0]?.roc?.thresholds[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects malformed input', () => {
    const [lesion] = cohort();
    if (lesion === undefined) throw new Error('no class');
    expect(() => classificationReport([], { kind: 'argmax' })).toThrow(BugError);
    expect(() => classificationReport([lesion, lesion], { kind: 'argmax' })).toThrow(BugError);
    expect(() =>
      classificationReport([lesion, { name: 'short', labels: [0], scores: [0.1] }], { kind: 'argmax' }),
    ).toThrow(BugError);
    expect(() =>
      classificationReport([{ name: 'nan', labels: [0, 1], scores: [0.1, Number.NaN] }], { kind: 'argmax' }),
    ).toThrow(BugError);
  });

  it('reports 18 classes × 1000 studies with 1000 valid resamples (speed: bench/eval.bench.ts)', () => {
    const random = new SeededRandom(21);
    const classes: ClassScores[] = Array.from({ length: 18 }, (_, c) => {
      const labels = Array.from({ length: 1000 }, () => (random.next() < 0.1 + c / 60 ? 1 : 0));
      return {
        name: `finding ${c}`,
        labels,
        scores: labels.map((label) => 1 / (1 + Math.exp(-(random.normal() + label)))),
      };
    });
    const report = classificationReport(classes, { kind: 'youden' });
    if (report.overall.kind !== 'multilabel') throw new Error('expected a multi-label overall');
    expect(report.overall.auroc.macro.validResamples).toBe(1000);
    expect((report.overall.auroc.macro.upper ?? 0) - (report.overall.auroc.macro.lower ?? 0)).toBeGreaterThan(0);
  });
});
