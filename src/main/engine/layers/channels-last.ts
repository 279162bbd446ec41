/**
 * Helpers for NDHWC tensors that keep every GPU kernel at rank ≤ 4. tfjs-backend-webgpu 4.22
 * generates WGSL that indexes 5-D shapes with a `vec5` type WGSL does not have, so a 5-D pad or a
 * 5-D broadcast binary op fails on Dawn ("cannot index type 'vec5'"). These do the same work on
 * reshaped views instead.
 */
import { BugError } from '../../../shared/errors';
import { tf, type Tensor } from '../tf';

/**
 * Rows above which tfjs-backend-webgpu 4.22 cannot reduce a [rows, C] tensor over its rows: its
 * Sum transposes to [C, rows] with 16x16 tiles, rows / 16 workgroups in one dimension, and WebGPU
 * allows 65,535 ("Dispatch size exceeds WebGPU limits in Y or Z dimension"). The gradient of a
 * per-channel scale, shift or bias is such a sum over every voxel of the batch (N·D·H·W rows),
 * so full fine-tuning failed on GPUs from inputs of about 2 x 64 x 128 x 128.
 */
export const WEBGPU_MAX_REDUCED_ROWS = 65_535 * 16;

/** x [..., C] + v [C], as a 2-D broadcast. */
export function addChannelVector(x: Tensor, v: Tensor): Tensor {
  return tf.tidy(() => {
    const channels = x.shape[x.shape.length - 1] ?? 1;
    const rows = x.size / channels;
    if (rows > WEBGPU_MAX_REDUCED_ROWS)
      return tf.reshape(scaleShiftManyRows(tf.reshape(x, [-1, channels]), null, v), x.shape);
    return tf.reshape(tf.add(tf.reshape(x, [-1, channels]), v), x.shape);
  });
}

/** x [..., C] · scale [C] + shift [C], as 2-D broadcasts. */
export function scaleShiftChannels(x: Tensor, scale: Tensor, shift: Tensor): Tensor {
  return tf.tidy(() => {
    const channels = x.shape[x.shape.length - 1] ?? 1;
    const rows = x.size / channels;
    if (rows > WEBGPU_MAX_REDUCED_ROWS)
      return tf.reshape(scaleShiftManyRows(tf.reshape(x, [-1, channels]), scale, shift), x.shape);
    return tf.reshape(tf.add(tf.mul(tf.reshape(x, [-1, channels]), scale), shift), x.shape);
  });
}

/** Σ over the rows of m [rows, C] → [C], as ones [1, rows] x m: a matmul has no such dispatch limit. */
export function sumRows(m: Tensor): Tensor {
  return tf.tidy(() => {
    const [rows = 1, channels = 1] = m.shape;
    return tf.reshape(tf.matMul(tf.ones([1, rows]), m as tf.Tensor2D), [channels]);
  });
}

type Inputs = Array<Tensor | tf.GradSaveFunc>;

/** x2d [rows, C] · scale [C] + shift [C], whose scale and shift gradients are row sums by matmul. */
const scaleShiftWithRowSums = tf.customGrad((...inputs: Inputs) => {
  const [x, scale, shift, save] = inputs;
  if (!(x instanceof tf.Tensor) || !(scale instanceof tf.Tensor) || !(shift instanceof tf.Tensor)) {
    throw new BugError('scaleShiftWithRowSums was called with the wrong arguments.');
  }
  if (typeof save !== 'function') throw new BugError('scaleShiftWithRowSums needs its save function.');
  save([x, scale]);
  const value = tf.add(tf.mul(x, scale), shift);
  const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    const [savedX, savedScale] = saved;
    if (!savedX || !savedScale) throw new BugError('scaleShiftWithRowSums lost its saved tensors.');
    return [tf.mul(dy, savedScale), sumRows(tf.mul(dy, savedX)), sumRows(dy)];
  };
  return { value, gradFunc };
});

/** The many-rows path of the two above (scale null: a bias only). */
function scaleShiftManyRows(x2d: Tensor, scale: Tensor | null, shift: Tensor): Tensor {
  const channels = x2d.shape[1] ?? 1;
  return scaleShiftWithRowSums(x2d, scale ?? tf.ones([channels]), shift);
}

/**
 * Pad the spatial axes (1, 2, 3) of [N, D, H, W, C] with `value` on both sides, by concatenating
 * constant slabs (tf.concat works on flattened 2-D views) instead of a 5-D pad kernel.
 */
export function padSpatial(x: Tensor, padding: readonly [number, number, number], value = 0): Tensor {
  return tf.tidy(() => {
    let y = x;
    padding.forEach((amount, index) => {
      if (amount <= 0) return;
      const axis = index + 1;
      const slabShape = [...y.shape];
      slabShape[axis] = amount;
      const slab = tf.fill(slabShape, value, y.dtype);
      y = tf.concat([slab, y, slab], axis);
    });
    return y;
  });
}

/**
 * A PyTorch Conv3d weight [out, in, kd, kh, kw] as tfjs's filter [kd, kh, kw, in, out], through
 * rank-2 and rank-3 transposes only (a 5-D transpose also trips the WGSL `vec5` limit).
 */
export function torchToTfFilter(weight: Tensor): tf.Tensor5D {
  return tf.tidy(() => {
    const [out = 1, inChannels = 1, kd = 1, kh = 1, kw = 1] = weight.shape;
    const kernel = kd * kh * kw;
    const kernelFirst = transpose2d(tf.reshape(weight, [out * inChannels, kernel])); // [K, out*in]
    const inBeforeOut = tf.transpose(tf.reshape(kernelFirst, [kernel, out, inChannels]), [0, 2, 1]); // [K, in, out]
    return tf.reshape(inBeforeOut, [kd, kh, kw, inChannels, out]);
  });
}

/**
 * A 2-D transpose. One whose side is 1 keeps the element order, so it is a reshape: no copy, and
 * no tfjs-backend-webgpu 4.22 transpose kernel, which tiles 16x16 and so cannot take a side over
 * 65,535 x 16 = 1,048,560 ("Dispatch size exceeds WebGPU limits in Y or Z dimension"): a 1x1x1
 * Conv3d weight of 2048 x 512 (Merlin's layer4 and contrastive head) is such a [1048576, 1].
 */
export function transpose2d(x: Tensor): tf.Tensor2D {
  const [rows = 1, cols = 1] = x.shape;
  return rows === 1 || cols === 1 ? tf.reshape(x, [cols, rows]) : tf.transpose(x as tf.Tensor2D);
}
