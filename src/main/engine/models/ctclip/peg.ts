/**
 * PEG, the position-generating module before each CTViT layer: a depthwise 3x3x3 Conv3d
 * (`dsconv`) over the (t, h, w) token grid, zero padding (2, 0) on t (causal, as CTViT builds
 * it) and (1, 1) on h and w; the layer adds it to its input.
 *
 * As in the reference, tokens [B', n, d] are reshaped to `videoShape` (b, t, h, w) + d by memory
 * order: right for the spatial stack's [(b t), (h w), d]; in the temporal stack, whose tokens are
 * [(b h w), t, d], the reshape reinterprets the grid, and so does the reference, whose released
 * weights were trained that way.
 */
import { BugError } from '../../../../shared/errors';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { DepthwiseConv3d } from './depthwise-conv3d';

/** (batch, t, h, w) of the token grid. */
export type VideoShape = readonly [number, number, number, number];

export class Peg extends Module {
  readonly dsconv: DepthwiseConv3d;

  constructor(
    readonly dim: number,
    readonly causal: boolean,
    seed: number,
  ) {
    super();
    this.dsconv = this.registerModule('dsconv', new DepthwiseConv3d(dim, 3, seed));
  }

  /** x: [B', n, dim] with B'·n = b·t·h·w -> the same shape. */
  apply(x: Tensor, videoShape: VideoShape): Tensor {
    const [b, t, h, w] = videoShape;
    if (x.size !== b * t * h * w * this.dim) {
      throw new BugError(`PEG got [${x.shape.join(', ')}] for a (${videoShape.join(', ')}) grid of ${this.dim}.`);
    }
    return tf.tidy(() => {
      const grid = tf.reshape(x, [b, t, h, w, this.dim]);
      const padded = padGrid(grid, this.causal ? [2, 0] : [1, 1], [1, 1], [1, 1]);
      return tf.reshape(this.dsconv.apply(padded), x.shape);
    });
  }
}

/** Zero padding of axes 1..3 of [N, D, H, W, C], by concatenating zero slabs (no 5D pad kernel). */
function padGrid(x: Tensor, ...pads: Array<readonly [number, number]>): Tensor {
  return tf.tidy(() => {
    let y = x;
    pads.forEach(([front, back], index) => {
      const axis = index + 1;
      const parts: Tensor[] = [];
      const slab = (size: number): Tensor => {
        const shape = [...y.shape];
        shape[axis] = size;
        return tf.zeros(shape, y.dtype);
      };
      if (front > 0) parts.push(slab(front));
      parts.push(y);
      if (back > 0) parts.push(slab(back));
      y = parts.length > 1 ? tf.concat(parts, axis) : y;
    });
    return y;
  });
}
