/**
 * y = x Wᵀ + bias + s · (x Aᵀ) Bᵀ with the LoRA gradients and none for the frozen base: the op
 * behind LoRA's fused forward (Linear, and 1x1x1 ConvLoRA in its matmul form).
 *
 * On WebGPU the forward is one dispatch: LoraMatMulProgram accumulates x Aᵀ with the base matmul's
 * K loop and adds s · (x Aᵀ) Bᵀ in its epilogue. The backward (dy: [M, N]):
 *   dx = dy W + s (dy B) A   LoraMatMulProgram again, nothing transposed (dy B rides along): 1 dispatch
 *   dA = (s dy B)ᵀ x         LowRankProjectionProgram for s·dy·B, then tfjs matMul: 2
 *   dB = dyᵀ (s x Aᵀ)        LowRankProjectionProgram for s·x·Aᵀ (recomputed, not saved: the
 *                            forward's one program has one output), then tfjs matMul: 2
 * so 5 dispatches against the unfused layers' 7 (tfjs ops alone would need 8: the scale and the
 * recomputed x Aᵀ cost one each). Each gradient is computed only if the tape needs it
 * (lazy-gradient-op.ts): dx is skipped where x needs none, as the unfused layers skip it.
 * Elsewhere (cpu, wasm) forward and gradients are the same formulas as tfjs ops, so results match.
 *
 * W and bias are read, not differentiated: callers use this only while both are frozen (PEFT), and
 * run the unfused layers otherwise.
 */
import { BugError } from '../../../../shared/errors';
import { tf, type Tensor } from '../../tf';
import { runLazyGradientOp } from './lazy-gradient-op';
import { loraProgramsApply, runLoraMatMul, runLowRankProjection } from './run-lora-programs';

export interface LoraMatMulParts {
  /** Frozen base weight [N, K] (nn.Linear layout). */
  weight: Tensor;
  /** Frozen base bias [N], or null. */
  bias: Tensor | null;
  /** lora_A [r, K]. */
  loraA: Tensor;
  /** lora_B [N, r]. */
  loraB: Tensor;
  /** alpha / r. */
  scaling: number;
}

/** x [M, K] -> [M, N]; gradients for x, lora_A and lora_B only. */
export function loraMatMul(x: Tensor, parts: LoraMatMulParts): Tensor {
  const { weight, bias, loraA, loraB, scaling: s } = parts;
  const fused = loraProgramsApply(loraA.shape[0] ?? 0);
  return runLazyGradientOp([x, loraA, loraB], {
    forward: (save) => {
      save([x, loraA, loraB]);
      return fused
        ? runLoraMatMul(
            { x, weight, bias, p: loraA, q: loraB, scale: s },
            { weightTransposed: true, projectionTransposed: true, upTransposed: true },
          )
        : compositeForward(x, weight, bias, loraA, loraB, s);
    },
    gradients: (dy, saved) => {
      const [sx, a, b] = saved;
      if (!sx || !a || !b) throw new BugError('loraMatMul lost its saved tensors.');
      return fused
        ? [
            () =>
              runLoraMatMul(
                { x: dy, weight, bias: null, p: b, q: a, scale: s },
                { weightTransposed: false, projectionTransposed: false, upTransposed: false },
              ),
            () => tf.matMul(runLowRankProjection(dy, b, false, s), sx, true, false),
            () => tf.matMul(dy, runLowRankProjection(sx, a, true, s), true, false),
          ]
        : [
            () => tf.add(tf.matMul(dy, weight), tf.matMul(tf.mul(tf.matMul(dy, b), s), a)),
            () => tf.matMul(tf.mul(tf.matMul(dy, b), s), sx, true, false),
            () => tf.matMul(dy, tf.mul(tf.matMul(sx, a, false, true), s), true, false),
          ];
    },
  });
}

/** The unfused layers' arithmetic, in their order: (x Wᵀ + bias) + (x Aᵀ Bᵀ) · s. */
function compositeForward(x: Tensor, w: Tensor, bias: Tensor | null, a: Tensor, b: Tensor, s: number): Tensor {
  const base = tf.matMul(x, w, false, true);
  const withBias = bias ? tf.add(base, bias) : base;
  return tf.add(withBias, tf.mul(tf.matMul(tf.matMul(x, a, false, true), b, false, true), s));
}
