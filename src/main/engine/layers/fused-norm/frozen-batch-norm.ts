/**
 * BatchNorm with frozen statistics, optionally followed by ReLU, as one op:
 * y = act(x·s + (bias − mean·s)) with s = weight·rsqrt(var + eps), over the last (channel) axis.
 *
 * On WebGPU (batch-norm-programs.ts) the forward is one dispatch against eight for the tfjs ops
 * (rsqrt, add, two muls and a sub on [C], then a mul, an add and the ReLU), and the backward
 * computes only the gradients the tape asks for (lazy-gradient-op.ts): dx in one dispatch, dweight
 * and dbias in one each up to 2,048 rows and two above (per-chunk sums, then their total; see
 * norm-program-base.ts). A frozen BatchNorm
 * (every PEFT preset) costs two dispatches a step instead of about a dozen. Only x is kept for the
 * backward (ReLU's mask is recomputed from it), as the composite keeps x for its multiply.
 *
 * Elsewhere (cpu, wasm, tensorflow), and with fusion switched off, it is the tfjs ops as before,
 * differentiated by tfjs.
 */
import { BugError } from '../../../../shared/errors';
import { runLazyGradientOp } from '../../lora/fused/lazy-gradient-op';
import { tf, type Tensor } from '../../tf';
import { scaleShiftChannels } from '../channels-last';
import {
  BatchNormForwardProgram,
  BatchNormInputGradProgram,
  batchNormParameterFinish,
  batchNormParameterTerm,
  gradientInputs,
  type BatchNormParameter,
} from './batch-norm-programs';
import type { NormShape } from './norm-program-base';
import { normFusionEnabled } from './norm-fusion-switch';
import { flat, runFusedProgram } from '../run-fused-program';
import { runColumnSum } from './column-sum';

export interface FrozenBatchNormParts {
  weight: Tensor;
  bias: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
  eps: number;
}

/** x [..., C] -> act(BatchNorm(x)) with the running statistics. */
export function frozenBatchNorm(x: Tensor, parts: FrozenBatchNormParts, relu: boolean): Tensor {
  const channels = x.shape[x.shape.length - 1] ?? 1;
  if (!normFusionEnabled() || tf.getBackend() !== 'webgpu' || x.dtype !== 'float32' || x.size === 0) {
    return composite(x, parts, relu);
  }
  const { weight, bias, runningMean: mean, runningVar: variance, eps } = parts;
  const shape: NormShape = { rows: x.size / channels, cols: channels, eps, flag: relu };
  const byName: Record<string, Tensor> = { w: weight, b: bias, m: mean, v: variance };
  return runLazyGradientOp([x, weight, bias], {
    forward: (save) => {
      save([x]);
      return runFusedProgram(new BatchNormForwardProgram(shape), [flat(x), weight, bias, mean, variance], x.shape);
    },
    gradients: (dy, saved) => {
      const [sx] = saved;
      if (!sx) throw new BugError('frozenBatchNorm lost its saved input.');
      const tensors: Record<string, Tensor> = { ...byName, dy: flat(dy), x: flat(sx) };
      const inputsOf = (names: readonly string[]): Tensor[] =>
        names.map((name) => {
          const tensor = tensors[name];
          if (!tensor) throw new BugError(`frozenBatchNorm has no input ${name}.`);
          return tensor;
        });
      const parameterGradient = (which: BatchNormParameter): Tensor =>
        runColumnSum(shape, batchNormParameterTerm(relu, which), batchNormParameterFinish(which), tensors);
      return [
        () => runFusedProgram(new BatchNormInputGradProgram(shape), inputsOf(gradientInputs(relu)), x.shape),
        () => parameterGradient('weight'),
        () => parameterGradient('bias'),
      ];
    },
  });
}

/** The tfjs ops the fused programs replace (tfjs differentiates them). */
function composite(x: Tensor, parts: FrozenBatchNormParts, relu: boolean): Tensor {
  return tf.tidy(() => {
    // y = (x - mean) / sqrt(var + eps) * weight + bias, folded into one scale and one shift.
    const scale = tf.mul(parts.weight, tf.rsqrt(tf.add(parts.runningVar, parts.eps)));
    const shift = tf.sub(parts.bias, tf.mul(parts.runningMean, scale));
    const y = scaleShiftChannels(x, scale, shift);
    return relu ? tf.relu(y) : y;
  });
}
