/**
 * GELU as BERT computes it, x·Φ(x) with the error function (not the tanh approximation).
 *
 * On WebGPU (gelu-programs.ts) it is one dispatch forward and one backward, against five forward
 * (two scalar multiplies, erf, an add, a multiply) and about as many again backward for the tfjs
 * ops; it keeps only x for the backward. Elsewhere, and with fusion switched off
 * (withGeluFusion), it is the tfjs ops, differentiated by tfjs.
 */
import { createFusionSwitch } from '../../fusion-switch';
import { runLazyGradientOp } from '../../lora/fused/lazy-gradient-op';
import { tf, type Tensor } from '../../tf';
import { BugError } from '../../../../shared/errors';
import { flat, runFusedProgram } from '../run-fused-program';
import { GeluForwardProgram, GeluGradProgram } from './gelu-programs';

const geluFusion = createFusionSwitch();
export const withGeluFusion = geluFusion.with;

export function gelu(x: Tensor): Tensor {
  if (!geluFusion.enabled() || tf.getBackend() !== 'webgpu' || x.dtype !== 'float32' || x.size === 0) {
    return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
  }
  return runLazyGradientOp([x], {
    forward: (save) => {
      save([x]);
      return runFusedProgram(new GeluForwardProgram(x.size), [flat(x)], x.shape);
    },
    gradients: (dy, saved) => {
      const [sx] = saved;
      if (!sx) throw new BugError('gelu lost its saved input.');
      return [() => runFusedProgram(new GeluGradProgram(x.size), [flat(dy), flat(sx)], x.shape)];
    },
  });
}
