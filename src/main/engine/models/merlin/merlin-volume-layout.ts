/**
 * Merlin's image input: a volume (B, 1, X, Y, Z) in PyTorch's channels-first layout, which
 * I3ResNet.forward permutes to (B, 1, Z, X, Y) and repeats to 3 channels. Here the same as NDHWC,
 * [B, Z, X, Y, 3], with rank-3 transposes only (see layers/channels-last.ts for why not rank 5).
 *
 * The workbench's own volumes are NDHWC with x fastest, [B, Z, Y, X, 1] (see ../ctvlm/i3-resnet.ts);
 * for Merlin, y must be the fastest axis: canonicalVolumeToMerlinNdhwc swaps the two in-plane axes.
 * Both layouts must already be in RAS orientation, as Merlin's MONAI preprocessing leaves them.
 */
import { BugError } from '../../../../shared/errors';
import { tf, type Tensor } from '../../tf';

/** The 3 input channels of the inflated ImageNet stem, each a copy of the CT channel. */
export const MERLIN_INPUT_CHANNELS = 3;

/** volume [B, 1, X, Y, Z] -> [B, Z, X, Y, 3] (depth Z, height X, width Y, channels last). */
export function merlinVolumeToNdhwc(volume: Tensor): Tensor {
  const [batch, channels, x, y, z] = volume.shape;
  if (volume.rank !== 5 || channels !== 1 || !batch || !x || !y || !z) {
    throw new BugError(`Merlin expects a volume [B, 1, X, Y, Z], got [${volume.shape.join(', ')}].`);
  }
  return tf.tidy(() => {
    const zFirst = tf.transpose(tf.reshape(volume, [batch, x * y, z]), [0, 2, 1]); // [B, Z, X*Y]
    return repeatChannel(zFirst, [batch, z, x, y]);
  });
}

/** A workbench volume [B, Z, Y, X, 1] (x fastest) -> Merlin's [B, Z, X, Y, 3]. */
export function canonicalVolumeToMerlinNdhwc(volume: Tensor): Tensor {
  const [batch, z, y, x, channels] = volume.shape;
  if (volume.rank !== 5 || channels !== 1 || !batch || !x || !y || !z) {
    throw new BugError(`Expected a volume [B, Z, Y, X, 1], got [${volume.shape.join(', ')}].`);
  }
  return tf.tidy(() => {
    const xBeforeY = tf.transpose(tf.reshape(volume, [batch * z, y, x]), [0, 2, 1]); // [B*Z, X, Y]
    return repeatChannel(xBeforeY, [batch, z, x, y]);
  });
}

/** Values laid out as [B, Z, X, Y] (any shape) -> [B, Z, X, Y, 3], each channel a copy. */
function repeatChannel(values: Tensor, [batch, z, x, y]: [number, number, number, number]): Tensor {
  const single = tf.reshape(values, [batch * z * x * y, 1]);
  const repeated = tf.concat(
    Array.from({ length: MERLIN_INPUT_CHANNELS }, () => single),
    1,
  );
  return tf.reshape(repeated, [batch, z, x, y, MERLIN_INPUT_CHANNELS]);
}
