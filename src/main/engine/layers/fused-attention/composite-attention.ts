/**
 * Scaled dot-product attention composed from tfjs ops: the definition fusedAttention matches, what
 * it runs on cpu/wasm (and wherever the WGSL program does not apply), and what its backward uses to
 * recompute the probabilities off WebGPU. S = scale · q kᵀ (+ bias) (+ additive key mask), in that
 * order, the same float32 arithmetic as the WGSL program, then a softmax over keys.
 */
import { tf, type Tensor } from '../../tf';
import { additiveKeyMask } from '../attention-mask';

export interface AttentionInputs {
  /** [B, Tk] key padding mask (1 keep, 0 pad). */
  mask?: Tensor | undefined;
  /** Additive score bias [H, Tq, Tk] or [B, H, Tq, Tk]. */
  bias?: Tensor | undefined;
  scale: number;
}

/** softmax(scale · q kᵀ + bias + mask) over keys: [B, H, Tq, Tk]. q: [B, H, Tq, dh], k: [B, H, Tk, dh]. */
export function compositeProbabilities(q: Tensor, k: Tensor, inputs: AttentionInputs): Tensor {
  return tf.tidy(() => {
    const [batch, , keys] = k.shape as [number, number, number, number];
    let scores = tf.mul(tf.matMul(q, k, false, true), inputs.scale);
    if (inputs.bias) scores = tf.add(scores, inputs.bias);
    if (inputs.mask) scores = tf.add(scores, additiveKeyMask(inputs.mask, batch, keys));
    return tf.softmax(scores, -1);
  });
}

/** softmax(scale · q kᵀ + bias + mask) v: [B, H, Tq, dh]; v: [B, H, Tk, dh]. */
export function compositeAttention(q: Tensor, k: Tensor, v: Tensor, inputs: AttentionInputs): Tensor {
  return tf.tidy(() => tf.matMul(compositeProbabilities(q, k, inputs), v));
}
