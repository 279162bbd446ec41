/**
 * Fused scaled-dot-product attention: O = softmax(scale · q kᵀ + bias + keyMask) v, with a
 * memory-light backward. Composed from tfjs ops, attention materialises the [B, H, T, T] scores and
 * probabilities in ~6 dispatches and the tape keeps them for the backward; here:
 *
 *  - Forward on WebGPU: one WGSL dispatch (fused-attention-program.ts, flash / online softmax,
 *    keys tiled through workgroup memory); elsewhere (cpu, wasm, head sizes over 128) the composite
 *    (composite-attention.ts) with the same semantics.
 *  - Backward (tf.customGrad, saving only q, k, v and O, no [T, T] tensor): on WebGPU two
 *    dispatches of the same program recompute P = softmax(S) ('probabilities') and
 *    dS = P ∘ (dO Vᵀ - rowsum(dO ∘ O)) ('scoreGradient'), each finding the row max and sum itself
 *    rather than reading a saved log-sum-exp; off WebGPU the same formulas as tfjs ops. Then
 *    dV = Pᵀ dO, dQ = scale · dS K, dK = scale · dSᵀ Q (tfjs matMuls), dBias = dS (summed over the
 *    batch for an [H, Tq, Tk] bias). So the backward holds two [Tq, Tk] temporaries (P and dS)
 *    while one layer's gradient runs; it is not a single fused backward kernel.
 *
 * There is no dropout on the probabilities: callers with attention dropout active keep their
 * composite path (SelfAttention does), since the fused forward never forms P to drop from.
 * The mask has additiveKeyMask's semantics: (1 - keep) · MASKED_SCORE (-1e9) is added to a key's
 * score, so a fully padded row attends uniformly, as in the composite.
 */
import { BugError } from '../../../../shared/errors';
import { tf, type Tensor } from '../../tf';
import { compositeProbabilities, type AttentionInputs } from './composite-attention';
import { fusedProgramApplies, runFusedAttentionProgram } from './run-fused-attention-program';

export interface FusedAttentionOptions {
  /** Multiplies q kᵀ (usually 1 / sqrt(dh)). */
  scale: number;
  /** [B, Tk] key padding mask: 1 keep, 0 pad (any dtype). */
  mask?: Tensor | undefined;
  /** Additive score bias, [H, Tq, Tk] or [B, H, Tq, Tk] (e.g. a position bias), float32; differentiable. */
  bias?: Tensor | undefined;
}

/**
 * q [B, H, Tq, dh], k and v [B, H, Tk, dh], float32 -> O [B, H, Tq, dh]. Differentiable in q, k, v
 * and bias (not in the mask).
 */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, options: FusedAttentionOptions): Tensor {
  checkShapes(q, k, v, options);
  return tf.tidy(() => {
    const mask = options.mask ? tf.cast(options.mask, 'float32') : undefined;
    const { bias, scale } = options;
    const attend = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const [qIn, kIn, vIn, biasIn] = args.slice(0, -1) as [Tensor, Tensor, Tensor, Tensor | undefined];
      const inputs: AttentionInputs = { scale, mask, bias: biasIn };
      const value = fusedProgramApplies(qIn)
        ? runFusedAttentionProgram('output', { q: qIn, k: kIn, v: vIn }, inputs)
        : tf.matMul(compositeProbabilities(qIn, kIn, inputs), vIn);
      // The mask and bias too: the caller's tidy may dispose them before the backward runs.
      save([qIn, kIn, vIn, value, ...(mask ? [mask] : []), ...(biasIn ? [biasIn] : [])]);
      return {
        value,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [sq, sk, sv, so, ...rest] = saved as [Tensor, Tensor, Tensor, Tensor, ...Tensor[]];
          const savedInputs: AttentionInputs = {
            scale,
            mask: mask ? rest[0] : undefined,
            bias: biasIn ? rest[mask ? 1 : 0] : undefined,
          };
          return attentionGradients(dy, sq, sk, sv, so, savedInputs);
        },
      };
    });
    return bias ? attend(q, k, v, bias) : attend(q, k, v);
  });
}

/**
 * [dq, dk, dv] (and dBias when there is a bias) from dO and the saved q, k, v, O, in a tidy so
 * its [Tq, Tk] temporaries (P and dS) are freed when this layer's backward ends, not the whole
 * backward pass.
 */
function attentionGradients(dO: Tensor, q: Tensor, k: Tensor, v: Tensor, o: Tensor, inputs: AttentionInputs): Tensor[] {
  return tf.tidy(() => {
    const onGpu = fusedProgramApplies(q);
    const p = onGpu
      ? runFusedAttentionProgram('probabilities', { q, k }, inputs)
      : compositeProbabilities(q, k, inputs);
    const dv = tf.matMul(p, dO, true, false);
    if (onGpu && !inputs.bias) {
      // The program writes scale · dS, so dQ and dK need no multiply of their own.
      const dScaled = runFusedAttentionProgram('scoreGradient', { q, k, v, dy: dO, o }, inputs, inputs.scale);
      return [tf.matMul(dScaled, k), tf.matMul(dScaled, q, true, false), dv];
    }
    const dScores = onGpu
      ? runFusedAttentionProgram('scoreGradient', { q, k, v, dy: dO, o }, inputs)
      : tf.mul(p, tf.sub(tf.matMul(dO, v, false, true), tf.sum(tf.mul(dO, o), -1, true)));
    // scale · (dS K) rather than (scale · dS) K: the multiply runs on [Tq, dh], not [Tq, Tk].
    const dq = tf.mul(tf.matMul(dScores, k), inputs.scale);
    const dk = tf.mul(tf.matMul(dScores, q, true, false), inputs.scale);
    if (!inputs.bias) return [dq, dk, dv];
    return [dq, dk, dv, inputs.bias.shape.length === 3 ? tf.sum(dScores, 0) : dScores];
  });
}

function checkShapes(q: Tensor, k: Tensor, v: Tensor, options: FusedAttentionOptions): void {
  const [batch, heads, queries, headDim] = q.shape;
  const keys = k.shape[2];
  const fits = (t: Tensor, rows: number | undefined): boolean =>
    t.shape.length === 4 && t.shape.every((d, i) => d === (i === 2 ? rows : q.shape[i]));
  if (q.shape.length !== 4 || !fits(k, keys) || !fits(v, keys) || batch === undefined || heads === undefined) {
    throw new BugError(
      `Fused attention needs q [B, H, Tq, dh] and k, v [B, H, Tk, dh], got [${q.shape.join(', ')}], [${k.shape.join(', ')}], [${v.shape.join(', ')}].`,
    );
  }
  if (q.dtype !== 'float32' || k.dtype !== 'float32' || v.dtype !== 'float32') {
    throw new BugError('Fused attention needs float32 q, k and v.');
  }
  const { mask, bias } = options;
  if (mask && (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== keys)) {
    throw new BugError(`Attention mask must be [${batch}, ${keys}], got [${mask.shape.join(', ')}].`);
  }
  if (bias) {
    const want = bias.shape.length === 3 ? [heads, queries, keys] : [batch, heads, queries, keys];
    if (bias.dtype !== 'float32' || bias.shape.length !== want.length || bias.shape.some((d, i) => d !== want[i])) {
      throw new BugError(
        `Attention bias must be float32 [H, Tq, Tk] or [B, H, Tq, Tk] = [${want.join(', ')}], got [${bias.shape.join(', ')}].`,
      );
    }
  }
  if (headDim === undefined || headDim < 1) throw new BugError('Fused attention needs a head size of at least 1.');
}
