/**
 * Central finite-difference check (with finite-difference.ts's numeric and analytic gradients)
 * of the gradients tfjs computes for a scalar loss with respect
 * to some variables (layer parameters or inputs held in tf.Variables). float32 throughout, so use
 * small shapes, a step near 1e-2 and tolerances near 1e-2.
 */
import { tf, type Tensor, type Variable } from '../../src/main/engine/tf';
import { analyticGradient, centralDifference } from './finite-difference';

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
  const mismatches: GradientMismatch[] = [];
  const scalarLoss = (): tf.Scalar => loss() as tf.Scalar;
  for (const [name, variable] of Object.entries(variables)) {
    const analytic = analyticGradient(scalarLoss, variable);
    const original = variable.dataSync().slice() as Float32Array;
    const stride = Math.max(1, Math.floor(original.length / maxEntries));
    for (let index = 0; index < original.length; index += stride) {
      const numeric = centralDifference(scalarLoss, variable, original, index, step);
      const exact = analytic[index] ?? Number.NaN;
      if (!(Math.abs(numeric - exact) <= atol + rtol * Math.abs(exact))) {
        mismatches.push({ variable: name, index, analytic: exact, numeric });
      }
    }
  }
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
