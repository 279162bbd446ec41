/**
 * LayerNorm over the last axis, (x − mean)·rsqrt(var + eps)·weight + bias with the biased
 * variance, as one op.
 *
 * On WebGPU (layer-norm-programs.ts) the forward is one dispatch against about nine for the tfjs
 * ops (two means, a squared difference, a sub, an add, an rsqrt and three multiply-adds), and the
 * backward computes only the gradients the tape asks for (lazy-gradient-op.ts): dx in one
 * dispatch, dweight in two (row statistics, column sums) and dbias in one, up to 2,048 rows
 * (above that the column sums take two dispatches: per-chunk sums, then their total). Only x
 * is kept for the backward; the statistics are recomputed from it.
 *
 * Elsewhere (cpu, wasm, tensorflow), and with fusion switched off, it is the tfjs ops on the
 * [rows, dim] view, differentiated by tfjs.
 */
import { BugError } from '../../../../shared/errors';
import { runLazyGradientOp } from '../../lora/fused/lazy-gradient-op';
import { tf, type Tensor } from '../../tf';
import {
  LayerNormForwardProgram,
  LayerNormInputGradProgram,
  layerNormParameterTerm,
  LayerNormRowStatsProgram,
} from './layer-norm-programs';
import type { NormShape } from './norm-program-base';
import { normFusionEnabled } from './norm-fusion-switch';
import { flat, runFusedProgram } from '../run-fused-program';
import { runColumnSum } from './column-sum';

/** x [..., dim] -> LayerNorm(x) with weight [dim] and bias [dim]. */
export function layerNormLastAxis(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  const dim = x.shape[x.shape.length - 1] ?? 1;
  if (!normFusionEnabled() || tf.getBackend() !== 'webgpu' || x.dtype !== 'float32' || x.size === 0) {
    return composite(x, weight, bias, eps);
  }
  const shape: NormShape = { rows: x.size / dim, cols: dim, eps };
  return runLazyGradientOp([x, weight, bias], {
    forward: (save) => {
      save([x]);
      return runFusedProgram(new LayerNormForwardProgram(shape), [flat(x), weight, bias], x.shape);
    },
    gradients: (dy, saved) => {
      const [sx] = saved;
      if (!sx) throw new BugError('layerNormLastAxis lost its saved input.');
      const flatDy = flat(dy);
      const flatX = flat(sx);
      return [
        () => runFusedProgram(new LayerNormInputGradProgram(shape), [flatDy, flatX, weight], x.shape),
        () => {
          const stats = runFusedProgram(new LayerNormRowStatsProgram(shape), [flatX], [shape.rows * 2]);
          return runColumnSum(shape, layerNormParameterTerm('weight'), null, { dy: flatDy, x: flatX, stats });
        },
        () => runColumnSum(shape, layerNormParameterTerm('bias'), null, { dy: flatDy }),
      ];
    },
  });
}

/**
 * The tfjs ops the fused programs replace, on the [rows, dim] view: tfjs-backend-webgpu 4.22
 * generates invalid WGSL for 5-D broadcasts ("cannot index type 'vec5'"), which CTViT's
 * [B, T, H, W, dim] token grids would hit.
 */
function composite(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  return tf.tidy(() => {
    const dim = x.shape[x.shape.length - 1] ?? 1;
    const rows = tf.reshape(x, [-1, dim]);
    const { mean, variance } = tf.moments(rows, 1, true);
    const normalised = tf.mul(tf.sub(rows, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.reshape(tf.add(tf.mul(normalised, weight), bias), x.shape);
  });
}
