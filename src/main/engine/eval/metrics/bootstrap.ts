/**
 * Percentile bootstrap confidence intervals over studies (rows).
 *
 * Each resample draws n row indices with replacement from SeededRandom(seed), and every
 * statistic is evaluated on the SAME indices (a paired bootstrap, so differences between
 * statistics keep their correlation). The indices really are applied: the CT-CLIP reference
 * code resamples but then scores the original rows, so its intervals collapse to a point.
 *
 * estimate = the statistic on the rows as given (indices 0..n−1). The interval is
 * np.percentile(valid, [100·(1−level)/2, 100·(1+level)/2]) with numpy's default linear
 * interpolation, over the resamples where the statistic is defined (not null and finite); with
 * fewer than 2 such resamples the bounds are null. The percentages are rounded to 12 significant
 * digits first, so level 0.95 gives exactly np.percentile(x, [2.5, 97.5]).
 *
 * One Int32Array of indices is reused for every resample: a statistic must not keep it.
 */
import { BugError } from '../../../../shared/errors';
import { SeededRandom } from '../../../../shared/seeded-random';
import {
  BootstrapSettingsSchema,
  type BootstrapSettings,
  type ConfidenceInterval,
} from '../../../../shared/api/metrics-schemas';

export {
  BootstrapSettingsSchema,
  ConfidenceIntervalSchema,
  type BootstrapSettings,
  type ConfidenceInterval,
} from '../../../../shared/api/metrics-schemas';
export type BootstrapOptions = Partial<BootstrapSettings>;

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { resamples: 1000, seed: 42, level: 0.95 };

/** A statistic of the rows at `indices` (duplicates count again); null where undefined. */
export type Statistic = (indices: Int32Array) => number | null;

/** A confidence interval for each named statistic, all from the same resamples. */
export function bootstrapConfidenceIntervals<K extends string>(
  n: number,
  statistics: Readonly<Record<K, Statistic>>,
  options?: BootstrapOptions,
): Record<K, ConfidenceInterval> {
  const names = Object.keys(statistics) as K[];
  const functions = names.map((name) => statistics[name]);
  return bootstrapStatisticVector(
    n,
    names,
    (indices, out) => {
      for (let s = 0; s < functions.length; s++) out[s] = functions[s]?.(indices) ?? Number.NaN;
    },
    options,
  );
}

/**
 * The same, for statistics computed together: `evaluate` writes statistic s of the rows at
 * `indices` to out[s] (NaN where undefined). Lets a caller share work between statistics.
 */
export function bootstrapStatisticVector<K extends string>(
  n: number,
  names: readonly K[],
  evaluate: (indices: Int32Array, out: Float64Array) => void,
  options?: BootstrapOptions,
): Record<K, ConfidenceInterval> {
  const settings = resolveBootstrapSettings(options);
  if (!Number.isInteger(n) || n < 0) throw new BugError(`Bootstrap: n must be a whole number >= 0 (got ${n}).`);
  const { resamples, seed, level } = settings;
  const width = names.length;
  const out = new Float64Array(width);
  const indices = new Int32Array(n);

  for (let i = 0; i < n; i++) indices[i] = i;
  out.fill(Number.NaN);
  evaluate(indices, out);
  const estimates = Float64Array.from(out);

  const values = new Float64Array(width * resamples);
  const random = new SeededRandom(seed);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = random.int(0, n);
    out.fill(Number.NaN);
    evaluate(indices, out);
    for (let s = 0; s < width; s++) values[s * resamples + r] = out[s] ?? Number.NaN;
  }

  const lowerPercent = Number((50 * (1 - level)).toPrecision(12));
  const upperPercent = Number((50 * (1 + level)).toPrecision(12));
  const result = {} as Record<K, ConfidenceInterval>;
  names.forEach((name, s) => {
    const valid = values
      .subarray(s * resamples, (s + 1) * resamples)
      .filter(Number.isFinite)
      .sort();
    const estimate = estimates[s] ?? Number.NaN;
    result[name] = {
      estimate: Number.isFinite(estimate) ? estimate : null,
      lower: valid.length >= 2 ? percentile(valid, lowerPercent) : null,
      upper: valid.length >= 2 ? percentile(valid, upperPercent) : null,
      validResamples: valid.length,
      resamples,
      level,
    };
  });
  return result;
}

/** Defaults filled in and checked. */
export function resolveBootstrapSettings(options?: BootstrapOptions): BootstrapSettings {
  const parsed = BootstrapSettingsSchema.safeParse({ ...DEFAULT_BOOTSTRAP, ...stripUndefined(options ?? {}) });
  if (!parsed.success) {
    throw new BugError(`Bootstrap options are invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return parsed.data;
}

/**
 * np.percentile(sorted, p) with the default method 'linear': virtual index (m − 1)·p/100,
 * interpolated between its neighbours as numpy's _lerp does. `sorted` must be ascending, non-empty.
 */
export function percentile(sorted: ArrayLike<number>, percent: number): number {
  const count = sorted.length;
  if (count === 0) throw new BugError('percentile() of an empty list.');
  const virtualIndex = (count - 1) * (percent / 100);
  if (virtualIndex >= count - 1) return sorted[count - 1] ?? Number.NaN;
  if (virtualIndex < 0) return sorted[0] ?? Number.NaN;
  const previous = Math.floor(virtualIndex);
  const a = sorted[previous] ?? Number.NaN;
  const b = sorted[previous + 1] ?? Number.NaN;
  const t = virtualIndex - previous;
  const difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}

function stripUndefined(options: BootstrapOptions): BootstrapOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
