import { describe, expect, it } from 'vitest';
import { BugError } from '../../../../../src/shared/errors';
import { SeededRandom } from '../../../../../src/shared/seeded-random';
import {
  bootstrapConfidenceIntervals,
  bootstrapStatisticVector,
  percentile,
} from '../../../../../src/main/engine/eval/metrics/bootstrap';
import { aucRanking, weightedAuc } from '../../../../../src/main/engine/eval/metrics/ranked-auc';

function meanOf(values: readonly number[]): (indices: Int32Array) => number | null {
  return (indices) => {
    if (indices.length === 0) return null;
    let sum = 0;
    for (const i of indices) sum += values[i] ?? 0;
    return sum / indices.length;
  };
}

const random = new SeededRandom(3);
const DATA = Array.from({ length: 200 }, () => random.normal());

describe('percentile (numpy linear)', () => {
  it('interpolates between neighbours', () => {
    // np.percentile([1,2,3,4], 25): index 3·0.25 = 0.75 → 1 + 0.75 = 1.75; 50 → 2.5.
    expect(percentile([1, 2, 3, 4], 25)).toBe(1.75);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    // np.percentile([10,20,30], 97.5): index 2·0.975 = 1.95 → 20 + 0.95·10 = 29.5.
    expect(percentile([10, 20, 30], 97.5)).toBeCloseTo(29.5, 12);
    // np.percentile([10,20,30], 2.5): index 0.05 → 10.5.
    expect(percentile([10, 20, 30], 2.5)).toBeCloseTo(10.5, 12);
    expect(percentile([10, 20, 30], 100)).toBe(30);
    expect(percentile([10, 20, 30], 0)).toBe(10);
  });
});

describe('bootstrapConfidenceIntervals', () => {
  it('gives the statistic on all rows as the estimate, and an interval of positive width around it', () => {
    const { mean } = bootstrapConfidenceIntervals(DATA.length, { mean: meanOf(DATA) });
    const exact = DATA.reduce((a, b) => a + b, 0) / DATA.length;
    expect(mean.estimate).toBeCloseTo(exact, 12);
    expect(mean.resamples).toBe(1000);
    expect(mean.validResamples).toBe(1000);
    expect(mean.level).toBe(0.95);
    // The indices are applied: the interval does not collapse (the CT-CLIP bug).
    expect((mean.upper ?? 0) - (mean.lower ?? 0)).toBeGreaterThan(0.1);
    expect(mean.lower ?? Number.NaN).toBeLessThan(exact);
    expect(mean.upper ?? Number.NaN).toBeGreaterThan(exact);
    // For a mean of 200 standard normals the 95% interval is about ±1.96/√200 ≈ ±0.14.
    expect((mean.upper ?? 0) - (mean.lower ?? 0)).toBeLessThan(0.4);
  });

  it('has zero width on constant data', () => {
    const { mean } = bootstrapConfidenceIntervals(50, { mean: meanOf(Array.from({ length: 50 }, () => 2)) });
    expect(mean.lower).toBe(2);
    expect(mean.upper).toBe(2);
  });

  it('is reproducible with the same seed and differs with another', () => {
    const statistics = { mean: meanOf(DATA) };
    const a = bootstrapConfidenceIntervals(DATA.length, statistics, { resamples: 200, seed: 5 });
    const b = bootstrapConfidenceIntervals(DATA.length, statistics, { resamples: 200, seed: 5 });
    const c = bootstrapConfidenceIntervals(DATA.length, statistics, { resamples: 200, seed: 6 });
    expect(a).toEqual(b);
    expect(c.mean.lower).not.toBe(a.mean.lower);
    expect(c.mean.upper).not.toBe(a.mean.upper);
    expect(c.mean.estimate).toBe(a.mean.estimate);
  });

  it('evaluates every statistic on the same resampled indices (paired)', () => {
    const seen: Record<'first' | 'second', string[]> = { first: [], second: [] };
    const recorder = (key: 'first' | 'second') => (indices: Int32Array) => {
      seen[key].push(indices.join(','));
      return indices[0] ?? null;
    };
    const result = bootstrapConfidenceIntervals(
      10,
      { first: recorder('first'), second: recorder('second') },
      { resamples: 20 },
    );
    expect(seen.first).toHaveLength(21); // the estimate, then 20 resamples
    expect(seen.second).toEqual(seen.first);
    expect(new Set(seen.first.slice(1)).size).toBeGreaterThan(1);
    expect(seen.first[0]).toBe('0,1,2,3,4,5,6,7,8,9');
    expect(result.first).toEqual(result.second);
    // Shifting a statistic by 1 shifts its bounds by exactly 1 only because the draws are shared.
    const shifted = bootstrapConfidenceIntervals(DATA.length, {
      mean: meanOf(DATA),
      plusOne: (indices) => (meanOf(DATA)(indices) ?? 0) + 1,
    });
    expect((shifted.plusOne.lower ?? 0) - (shifted.mean.lower ?? 0)).toBeCloseTo(1, 12);
    expect((shifted.plusOne.upper ?? 0) - (shifted.mean.upper ?? 0)).toBeCloseTo(1, 12);
  });

  it('leaves out resamples where the statistic is null or not finite', () => {
    const { stat } = bootstrapConfidenceIntervals(
      20,
      { stat: (indices) => ((indices[0] ?? 0) % 2 === 0 ? null : (indices[0] ?? 0) % 4 === 1 ? Number.NaN : 1) },
      { resamples: 400 },
    );
    // Index 0 holds 0 at identity → null estimate; about half the resamples are null, a quarter NaN.
    expect(stat.estimate).toBeNull();
    expect(stat.validResamples).toBeGreaterThan(50);
    expect(stat.validResamples).toBeLessThan(150);
    expect(stat.lower).toBe(1);
    expect(stat.upper).toBe(1);
  });

  it('has null bounds with fewer than 2 valid resamples', () => {
    const { never } = bootstrapConfidenceIntervals(10, { never: () => null }, { resamples: 50 });
    expect(never).toEqual({ estimate: null, lower: null, upper: null, validResamples: 0, resamples: 50, level: 0.95 });
    const { one } = bootstrapConfidenceIntervals(5, { one: () => 3 }, { resamples: 1 });
    expect(one.lower).toBeNull();
    expect(one.validResamples).toBe(1);
  });

  it('rejects invalid options', () => {
    expect(() => bootstrapConfidenceIntervals(5, {}, { level: 1.5 })).toThrow(BugError);
    expect(() => bootstrapConfidenceIntervals(5, {}, { resamples: -1 })).toThrow(BugError);
    expect(() => bootstrapConfidenceIntervals(-1, {})).toThrow(BugError);
  });

  it('narrows with a lower level', () => {
    const wide = bootstrapConfidenceIntervals(DATA.length, { mean: meanOf(DATA) }, { level: 0.95 });
    const narrow = bootstrapConfidenceIntervals(DATA.length, { mean: meanOf(DATA) }, { level: 0.5 });
    expect((narrow.mean.upper ?? 0) - (narrow.mean.lower ?? 0)).toBeLessThan(
      (wide.mean.upper ?? 0) - (wide.mean.lower ?? 0),
    );
  });

  it('bootstraps 18 AUROCs over 1000 studies with every resample valid (speed: bench/eval.bench.ts)', () => {
    const n = 1000;
    const r = new SeededRandom(11);
    const statistics: Record<string, (indices: Int32Array) => number | null> = {};
    const draws = new Int32Array(n);
    for (let c = 0; c < 18; c++) {
      const labels = Array.from({ length: n }, () => (r.next() < 0.2 ? 1 : 0));
      const scores = labels.map((label) => r.normal() + label);
      const ranking = aucRanking(labels, scores);
      statistics[`class ${c}`] = (indices) => {
        draws.fill(0);
        for (const i of indices) draws[i] = (draws[i] ?? 0) + 1;
        return weightedAuc(ranking, draws);
      };
    }
    const result = bootstrapConfidenceIntervals(n, statistics);
    expect(result['class 0']?.validResamples).toBe(1000);
    expect((result['class 0']?.upper ?? 0) - (result['class 0']?.lower ?? 0)).toBeGreaterThan(0);
  });
});

describe('bootstrapStatisticVector', () => {
  it('matches bootstrapConfidenceIntervals for the same statistics', () => {
    const mean = meanOf(DATA);
    const vector = bootstrapStatisticVector(
      DATA.length,
      ['mean', 'double'],
      (indices, out) => {
        out[0] = mean(indices) ?? Number.NaN;
        out[1] = 2 * (mean(indices) ?? Number.NaN);
      },
      { resamples: 100 },
    );
    const separate = bootstrapConfidenceIntervals(
      DATA.length,
      { mean, double: (indices) => 2 * (mean(indices) ?? 0) },
      { resamples: 100 },
    );
    expect(vector).toEqual(separate);
  });
});
