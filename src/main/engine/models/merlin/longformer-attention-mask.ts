/**
 * Which keys each query of a Longformer layer sees, as additive biases for a dense softmax.
 *
 * Local attention: query i sees key j when |i - j| <= attentionWindow / 2 and j is not padding
 * (Hugging Face computes the same band in overlapping chunks of 2w; the set is identical). With
 * global attention on the first token, every query also sees key 0 (through the local `key` and
 * `value` projections, counted once even when it is inside the band), and the first token's own
 * output is replaced by a full attention over all non-padding tokens through `query_global`,
 * `key_global` and `value_global`. Padding queries get zero attention, as Hugging Face sets.
 */
import { BugError } from '../../../../shared/errors';
import { MASKED_SCORE } from '../../layers/attention-mask';
import { tf, type Tensor } from '../../tf';

export interface LongformerAttentionBias {
  /** [B, 1, T, T]: 0 where query i may see key j, MASKED_SCORE elsewhere. */
  local: Tensor;
  /** [B, 1, 1, T]: 0 for real keys, MASKED_SCORE for padding (the global token's full attention). */
  global: Tensor;
  /** [B, 1, T, 1]: 1 for real queries, 0 for padding (their attention weights are zeroed). */
  queryKeep: Tensor;
}

/** mask: [B, T] (1 token, 0 padding). Call inside tf.tidy, or dispose the three tensors when done. */
export function longformerAttentionBias(
  mask: Tensor,
  attentionWindow: number,
  globalFirstToken: boolean,
): LongformerAttentionBias {
  const [batch, tokens] = mask.shape;
  if (mask.rank !== 2 || batch === undefined || tokens === undefined) {
    throw new BugError(`The attention mask must be [B, T], got [${mask.shape.join(', ')}].`);
  }
  if (attentionWindow <= 0 || attentionWindow % 2 !== 0) {
    throw new BugError(`Longformer's attention window must be a positive even number, got ${attentionWindow}.`);
  }
  return tf.tidy(() => {
    const keep = tf.cast(mask, 'float32');
    const positions = tf.range(0, tokens, 1, 'int32');
    const distance = tf.abs(tf.sub(tf.reshape(positions, [tokens, 1]), tf.reshape(positions, [1, tokens])));
    let visible = tf.cast(tf.lessEqual(distance, attentionWindow / 2), 'float32'); // [T, T]
    if (globalFirstToken) {
      const firstKey = tf.reshape(tf.oneHot(tf.tensor1d([0], 'int32'), tokens), [1, tokens]);
      visible = tf.maximum(visible, tf.cast(firstKey, 'float32'));
    }
    const allowed = tf.mul(tf.reshape(visible, [1, 1, tokens, tokens]), tf.reshape(keep, [batch, 1, 1, tokens]));
    return {
      local: tf.mul(tf.sub(1, allowed), MASKED_SCORE),
      global: tf.mul(tf.sub(1, tf.reshape(keep, [batch, 1, 1, tokens])), MASKED_SCORE),
      queryKeep: tf.reshape(keep, [batch, 1, tokens, 1]),
    };
  });
}
