/**
 * Central finite-difference check of the gradients tfjs computes for a scalar loss with respect
 * to some variables (layer parameters or inputs held in tf.Variables). float32 throughout, so use
 * small shapes, a step near 1e-2 and tolerances near 1e-2.
 */
import { tf, type Tensor, type Variable } from '../../src/main/engine/tf';

export interface GradientCheckOptions {
  step?: number;
  /** Entries checked per variable (spread over the tensor); all when the variable is smaller. */
  maxEntries?: number;
  absoluteTolerance?: number;
  relativeTolerance?: number;
}

export interface GradientMismatch {
  variable: string;
  index: number;
  analytic: number;
  numeric: number;
}

/** Returns the entries whose analytic and numeric gradients disagree (empty when all agree). */
export function gradientMismatches(
  loss: () => Tensor,
  variables: Record<string, Variable>,
  options: GradientCheckOptions = {},
): GradientMismatch[] {
  const step = options.step ?? 1e-2;
  const atol = options.absoluteTolerance ?? 2e-3;
  const rtol = options.relativeTolerance ?? 2e-2;
  const maxEntries = options.maxEntries ?? 24;
  const list = Object.entries(variables);
  const analytic = tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => loss() as tf.Scalar,
      list.map(([, v]) => v),
    );
    return list.map(([, v]) => grads[v.name]?.dataSync() ?? new Float32Array(v.size));
  });
  const lossValue = (): number => tf.tidy(() => loss().dataSync()[0] ?? Number.NaN);
  const mismatches: GradientMismatch[] = [];
  list.forEach(([name, variable], which) => {
    const original = variable.dataSync().slice();
    const stride = Math.max(1, Math.floor(original.length / maxEntries));
    const setEntry = (index: number, value: number): void => {
      const values = original.slice();
      values[index] = value;
      const next = tf.tensor(values, variable.shape, 'float32');
      variable.assign(next);
      next.dispose();
    };
    for (let index = 0; index < original.length; index += stride) {
      const x = original[index] ?? 0;
      setEntry(index, x + step);
      const plus = lossValue();
      setEntry(index, x - step);
      const minus = lossValue();
      const numeric = (plus - minus) / (2 * step);
      const exact = analytic[which]?.[index] ?? Number.NaN;
      if (!(Math.abs(numeric - exact) <= atol + rtol * Math.abs(exact))) {
        mismatches.push({ variable: name, index, analytic: exact, numeric });
      }
    }
    const restored = tf.tensor(original, variable.shape, 'float32');
    variable.assign(restored);
    restored.dispose();
  });
  return mismatches;
}

/** A fixed random projection of an output to a scalar, so every output entry matters. */
export function projectToScalar(output: Tensor, weights: Tensor): Tensor {
  return tf.sum(tf.mul(output, weights));
}

/** A trainable variable holding `initial`, which is disposed (tf.variable alone keeps it alive). */
export function variableOf(initial: Tensor): Variable {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}
