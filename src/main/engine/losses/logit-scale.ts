/**
 * The two ways the reference models turn a learned temperature parameter into the factor that
 * multiplies cosine similarities. Both return a scalar tensor, differentiable in the parameter.
 */
import { tf, type Tensor } from '../tf';

/** HCC-Merlin's initial temperatures (the paper's sweep); PEFT did best at 1.0. */
export const HCC_MERLIN_TEMPERATURE_INITS = [0.07, 0.5, 1.0, 10.0] as const;

/**
 * HCC-Merlin: logits = cos / τ with τ a raw learned divisor, so scale = 1/τ. Never clamped, as in
 * the reference: a τ driven to zero or below is the caller's to notice.
 */
export function inverseTemperatureScale(temperature: Tensor | number): tf.Scalar {
  return tf.tidy(() => tf.div<tf.Scalar>(tf.scalar(1), tf.reshape(temperature, [])));
}

/** CT-CLIP (and CLIP): logits = cos · exp(t), t a learned log-scale. */
export function expLogitScale(logScale: Tensor | number): tf.Scalar {
  return tf.tidy(() => tf.exp(tf.reshape<tf.Rank.R0>(logScale, [])));
}
