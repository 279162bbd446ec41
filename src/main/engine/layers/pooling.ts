/** Average pooling: global pooling of NDHWC volumes, and mean pooling of tokens under a mask. */
import { BugError } from '../../../shared/errors';
import { tf, type Tensor } from '../tf';

/** PyTorch's AdaptiveAvgPool3d(1) on NDHWC: [N, D, H, W, C] -> [N, 1, 1, 1, C]. */
export function adaptiveAvgPool3dTo1(x: Tensor): Tensor {
  if (x.shape.length !== 5) throw new BugError(`Expected [N, D, H, W, C], got [${x.shape.join(', ')}].`);
  return tf.mean(x, [1, 2, 3], true);
}

/** Global average pooling: [N, D, H, W, C] -> [N, C]. */
export function globalAvgPool3d(x: Tensor): Tensor {
  if (x.shape.length !== 5) throw new BugError(`Expected [N, D, H, W, C], got [${x.shape.join(', ')}].`);
  return tf.mean(x, [1, 2, 3]);
}

/**
 * Mean over the tokens a mask keeps: x [B, T, D], mask [B, T] (1 keep, 0 pad) -> [B, D].
 * A row with no kept token gives zeros (the count is clamped at 1e-9, as sentence-transformers).
 */
export function maskedMeanPool(x: Tensor, mask: Tensor): Tensor {
  const [batch, tokens] = x.shape;
  if (x.shape.length !== 3 || mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== tokens) {
    throw new BugError(
      `Expected x [B, T, D] and mask [B, T], got [${x.shape.join(', ')}] and [${mask.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    const keep = tf.expandDims(tf.cast(mask, 'float32'), -1); // [B, T, 1]
    const sum = tf.sum(tf.mul(x, keep), 1);
    const count = tf.maximum(tf.sum(keep, 1), 1e-9);
    return tf.div(sum, count);
  });
}
