/** Padding masks for attention: [B, T] with 1 for a real token and 0 for padding. */
import { BugError } from '../../../shared/errors';
import { tf, type Tensor } from '../tf';

/** Added to the scores of padded keys before the softmax, so they get zero weight. */
export const MASKED_SCORE = -1e9;

/** [B, T] mask (1 keep, 0 pad; any dtype) -> [B, 1, 1, T] additive bias (0 or MASKED_SCORE). */
export function additiveKeyMask(mask: Tensor, batch: number, tokens: number): Tensor {
  if (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== tokens) {
    throw new BugError(`Attention mask must be [${batch}, ${tokens}], got [${mask.shape.join(', ')}].`);
  }
  return tf.tidy(() => {
    const keep = tf.cast(mask, 'float32');
    const bias = tf.mul(tf.sub(1, keep), MASKED_SCORE);
    return tf.reshape(bias, [batch, 1, 1, tokens]);
  });
}
