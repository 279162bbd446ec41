/**
 * MaxPool3d with PyTorch's semantics (padding counts as -inf, floor rounding, no dilation) on
 * NDHWC activations. No parameters; a Module so it sits in a model tree as `maxpool`.
 */
import { BugError } from '../../../shared/errors';
import { Module } from '../module';
import { padSpatial } from './channels-last';
import { tf, type Tensor } from '../tf';
import type { Triple } from './conv3d';

const triple = (value: number | Triple): Triple => (typeof value === 'number' ? [value, value, value] : value);

export class MaxPool3d extends Module {
  readonly kernel: Triple;
  readonly stride: Triple;
  readonly padding: Triple;

  /** stride defaults to the kernel size, as in PyTorch. */
  constructor(kernel: number | Triple, stride?: number | Triple, padding: number | Triple = 0) {
    super();
    this.kernel = triple(kernel);
    this.stride = triple(stride ?? kernel);
    this.padding = triple(padding);
    this.kernel.forEach((k, axis) => {
      const p = this.padding[axis] ?? 0;
      const s = this.stride[axis] ?? 0;
      if (!(k >= 1 && s >= 1 && p >= 0 && 2 * p <= k)) {
        throw new BugError(
          `MaxPool3d needs kernel >= 1, stride >= 1 and 0 <= padding <= kernel / 2; got ` +
            `kernel ${this.kernel.join('x')}, stride ${this.stride.join('x')}, padding ${this.padding.join('x')}.`,
        );
      }
    });
  }

  /** x: [N, D, H, W, C] -> [N, D', H', W', C] with D' = floor((D + 2p - k) / s) + 1. */
  apply(x: Tensor): Tensor {
    if (x.shape.length !== 5) throw new BugError(`MaxPool3d expects [N, D, H, W, C], got [${x.shape.join(', ')}].`);
    return tf.tidy(() => {
      const padded = padSpatial(x, this.padding, -Infinity) as tf.Tensor5D;
      return tf.maxPool3d(padded, this.kernel, this.stride, 'valid');
    });
  }
}
