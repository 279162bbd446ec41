/**
 * Gradient check by central differences: ∂L/∂v_i ≈ (L(v + h·e_i) − L(v − h·e_i)) / 2h, compared
 * with tfjs's analytic gradient (tf.variableGrads) entry by entry.
 *
 * Everything is float32 (the only float the CPU backend has), so the numeric derivative carries
 * two errors: truncation ≈ h²·|L'''|/6 and rounding ≈ u·|L|/h with u = 2⁻²⁴ ≈ 6e-8 times a small
 * factor for the sums inside L. Tests keep both small by choosing losses that are quadratic in
 * the checked variable where they can (truncation is then exactly zero) and h ≈ 1e-2, which puts
 * rounding near 1e-5·|L|. Each entry's error is relative to max(|numeric|, |analytic|, floor):
 * the floor turns the comparison absolute for entries whose true derivative is near zero, where a
 * relative error only measures noise.
 */
import { tf, type Variable } from '../../src/main/engine/tf';

export interface GradientCheckOptions {
  /** The step h. */
  step?: number;
  /** Entries with |derivative| below this are compared absolutely (see above). */
  floor?: number;
  /** Check at most this many entries, spread evenly over the variable. */
  maxEntries?: number;
}

export interface GradientCheckResult {
  maxRelativeError: number;
  checked: number;
  worst: { index: number; numeric: number; analytic: number };
  /** Largest |analytic| entry, so a test can assert the gradient is not trivially zero. */
  maxAbsAnalytic: number;
}

export function checkGradient(
  loss: () => tf.Scalar,
  variable: Variable,
  options: GradientCheckOptions = {},
): GradientCheckResult {
  const step = options.step ?? 1e-2;
  const floor = options.floor ?? 1e-3;
  const analytic = analyticGradient(loss, variable);
  const original = variable.dataSync().slice() as Float32Array;
  const indices = spread(original.length, options.maxEntries ?? original.length);

  let worst = { index: -1, numeric: 0, analytic: 0 };
  let maxRelativeError = 0;
  for (const index of indices) {
    const numeric = centralDifference(loss, variable, original, index, step);
    const exact = analytic[index] ?? Number.NaN;
    const error = Math.abs(numeric - exact) / Math.max(Math.abs(numeric), Math.abs(exact), floor);
    if (!(error <= maxRelativeError)) {
      maxRelativeError = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
      worst = { index, numeric, analytic: exact };
    }
  }
  const maxAbsAnalytic = analytic.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  return { maxRelativeError, checked: indices.length, worst, maxAbsAnalytic };
}

/**
 * (L(v + h·e_i) − L(v − h·e_i)) / (actual step), at the float32 points really evaluated; the
 * variable holds `original` again afterwards.
 */
export function centralDifference(
  loss: () => tf.Scalar,
  variable: Variable,
  original: Float32Array,
  index: number,
  step: number,
): number {
  const centre = original[index] ?? 0;
  const above = Math.fround(centre + step);
  const below = Math.fround(centre - step);
  try {
    return (
      (lossAt(loss, variable, original, index, above) - lossAt(loss, variable, original, index, below)) /
      (above - below)
    );
  } finally {
    assignValues(variable, original);
  }
}

/** tfjs's gradient of `loss` with respect to `variable`, as plain numbers. */
export function analyticGradient(loss: () => tf.Scalar, variable: Variable): Float32Array {
  const wasTrainable = variable.trainable;
  variable.trainable = true;
  try {
    const { value, grads } = tf.variableGrads(loss, [variable]);
    const gradient = grads[variable.name];
    const values = gradient ? (gradient.dataSync() as Float32Array).slice() : new Float32Array(variable.size);
    value.dispose();
    tf.dispose(Object.values(grads));
    return values;
  } finally {
    variable.trainable = wasTrainable;
  }
}

function lossAt(
  loss: () => tf.Scalar,
  variable: Variable,
  original: ArrayLike<number>,
  index: number,
  value: number,
): number {
  const values = Float32Array.from(original);
  values[index] = value;
  assignValues(variable, values);
  return tf.tidy(() => loss().dataSync()[0] ?? Number.NaN);
}

function assignValues(variable: Variable, values: ArrayLike<number>): void {
  const tensor = tf.tensor(Float32Array.from(values), variable.shape, 'float32');
  variable.assign(tensor);
  tensor.dispose();
}

function spread(length: number, count: number): number[] {
  if (count >= length) return Array.from({ length }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * length) / count));
}
