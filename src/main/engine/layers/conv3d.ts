/**
 * 3D convolution with PyTorch's weight layout [out, in, kd, kh, kw] and key names. Activations
 * are NDHWC (the only layout tfjs's conv3d takes); explicit zero padding as PyTorch's `padding`.
 *
 * A 1x1x1 kernel without padding (ResNet bottleneck conv1/conv3, the stride-2 downsample, Merlin's
 * and CT-CLIP's pointwise heads) runs as a matmul instead: [N·D·H·W, in] x [in, out]ᵀ on the
 * voxels the stride keeps. tfjs-backend-webgpu runs Conv3D with one thread per output and no
 * tiling, while its matmul is tiled, and the matmul form is what the fused LoRA kernel takes
 * (lora/fused). The weight is only reshaped to [out, in] (a view, no copy); gradients come from
 * tfjs's matmul gradient, so a frozen weight gets none.
 */
import { BugError } from '../../../shared/errors';
import { Module } from '../module';
import { tf, type Tensor, type Variable } from '../tf';
import { addChannelVector, padSpatial, torchToTfFilter } from './channels-last';
import { torchDefaultUniform } from './init';

export type Triple = [number, number, number];

export interface Conv3dOptions {
  stride?: number | Triple;
  padding?: number | Triple;
  bias?: boolean;
  seed?: number;
}

const triple = (value: number | Triple): Triple => (typeof value === 'number' ? [value, value, value] : value);

/**
 * Rows a tfjs-backend-webgpu 4.22 2-D matmul can take: it tiles 32 rows per workgroup in the y
 * dimension, and WebGPU allows 65,535 workgroups there. Taller pointwise convolutions run as a
 * batched matmul over [N·D, H·W] instead (batches go to z).
 */
export const MAX_MATMUL_ROWS = 65_535 * 32;

export class Conv3d extends Module {
  readonly weight: Variable;
  readonly bias: Variable | null;
  readonly kernel: Triple;
  readonly stride: Triple;
  readonly padding: Triple;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: number | Triple,
    options: Conv3dOptions = {},
  ) {
    super();
    this.kernel = triple(kernel);
    this.stride = triple(options.stride ?? 1);
    this.padding = triple(options.padding ?? 0);
    const fanIn = inChannels * this.kernel[0] * this.kernel[1] * this.kernel[2];
    const seed = options.seed ?? 1;
    this.weight = this.registerParameter(
      'weight',
      torchDefaultUniform([outChannels, inChannels, ...this.kernel], fanIn, seed),
    );
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter('bias', torchDefaultUniform([outChannels], fanIn, seed + 1));
  }

  /** A 1x1x1 kernel with no padding: the conv is a matmul over the voxels the stride keeps. */
  get pointwise(): boolean {
    return this.kernel.every((k) => k === 1) && this.padding.every((p) => p === 0);
  }

  /** The weight as the [out, in] matrix of a pointwise conv (a reshape: no copy). */
  weightMatrix(): Tensor {
    if (!this.pointwise) throw new BugError('Only a 1x1x1 Conv3d without padding has a weight matrix.');
    return tf.reshape(this.weight, [this.outChannels, this.inChannels]);
  }

  /** x: [N, D, H, W, inChannels] -> [N, D', H', W', outChannels]. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      if (this.pointwise) return this.applyPointwise(x);
      if (this.padsInKernel) return this.convolve(x, this.padding[0]);
      return this.applyToPadded(padSpatial(x, this.padding));
    });
  }

  /**
   * The same padding on all three axes is given to the conv kernel itself (tfjs pads inside Conv3D
   * and its gradients, as the implicit-GEMM kernels do), so no padded copy of the input is made.
   */
  get padsInKernel(): boolean {
    const [d, h, w] = this.padding;
    return d === h && h === w;
  }

  /** The conv of an input already padded by this.padding (a caller may share one padding between convs). */
  applyToPadded(padded: Tensor): Tensor {
    return tf.tidy(() => this.convolve(padded, 0));
  }

  private convolve(x: Tensor, pad: number): Tensor {
    // tfjs's typings say 'valid' | 'same'; its conv3d, both gradients and every backend take a number.
    const y = tf.conv3d(x as tf.Tensor5D, torchToTfFilter(this.weight), this.stride, pad as unknown as 'valid');
    return this.bias ? addChannelVector(y, this.bias) : y;
  }

  private applyPointwise(x: Tensor): Tensor {
    const kept = subsampleSpatial(x, this.stride);
    const [n = 1, d = 1, h = 1, w = 1] = kept.shape;
    const rows = n * d * h * w;
    const weight = this.weightMatrix();
    const y =
      rows <= MAX_MATMUL_ROWS
        ? tf.matMul(tf.reshape(kept, [rows, this.inChannels]), weight, false, true)
        : tf.matMul(tf.reshape(kept, [n * d, h * w, this.inChannels]), weight, false, true);
    const withBias = this.bias ? addChannelVector(y, this.bias) : y;
    return tf.reshape(withBias, [n, d, h, w, this.outChannels]);
  }
}

type Inputs = Array<Tensor | tf.GradSaveFunc>;

/**
 * x [N, D, H, W, C] at voxels (0, s, 2s, ...) of each spatial axis: what a 1x1x1 conv with
 * stride s reads. tfjs has no StridedSlice gradient and its webgpu kernel cannot index 5-D
 * shapes, so this slices rank-3 and rank-4 views and its gradient puts dy back between zeros
 * (pads of rank-4 views), the transpose of the sampling.
 */
export function subsampleSpatial(x: Tensor, stride: readonly [number, number, number]): Tensor {
  if (stride.every((s) => s === 1)) return x;
  const stride3: Triple = [stride[0], stride[1], stride[2]];
  const shape = x.shape as [number, number, number, number, number];
  const subsample = tf.customGrad((...inputs: Inputs) => {
    const [input] = inputs;
    if (!(input instanceof tf.Tensor)) throw new BugError('subsampleSpatial was called with the wrong arguments.');
    const value = sampleEvery(input, stride3);
    return { value, gradFunc: (dy: Tensor): Tensor => spreadEvery(dy, stride3, shape) };
  });
  return subsample(x);
}

function sampleEvery(x: Tensor, [sd, sh, sw]: Triple): Tensor {
  const [n = 1, d = 1, h = 1, w = 1, c = 1] = x.shape;
  let y = x;
  let depth = d;
  if (sd > 1) {
    y = tf.stridedSlice(tf.reshape(y, [n, d, h * w * c]), [0, 0, 0], [n, d, h * w * c], [1, sd, 1]);
    depth = y.shape[1] ?? 1;
  }
  if (sh > 1 || sw > 1) {
    y = tf.stridedSlice(tf.reshape(y, [n * depth, h, w, c]), [0, 0, 0, 0], [n * depth, h, w, c], [1, sh, sw, 1]);
  }
  const [, hh = 1, ww = 1] = y.shape.length === 4 ? y.shape : [0, h, w];
  return tf.reshape(y, [n, depth, hh, ww, c]);
}

/** The gradient of sampleEvery: dy [N, D', H', W', C] placed at the sampled voxels of `shape`, zeros elsewhere. */
function spreadEvery(dy: Tensor, [sd, sh, sw]: Triple, shape: [number, number, number, number, number]): Tensor {
  const [n, d, h, w, c] = shape;
  const [, dd = 1, hh = 1, ww = 1] = dy.shape;
  let g = dy;
  if (sw > 1) g = spreadAxis(tf.reshape(g, [n * dd * hh, ww, c]), sw, w); // -> [.., W, C]
  if (sh > 1) g = spreadAxis(tf.reshape(g, [n * dd, hh, w * c]), sh, h); // -> [.., H, W·C]
  if (sd > 1) g = spreadAxis(tf.reshape(g, [n, dd, h * w * c]), sd, d); // -> [.., D, H·W·C]
  return tf.reshape(g, shape);
}

/** g [A, L', R] -> [A, L, R] with g's rows at 0, s, 2s, ... and zeros between. */
function spreadAxis(g: Tensor, stride: number, length: number): Tensor {
  const [a = 1, kept = 1, rest = 1] = g.shape;
  const padded = tf.pad(tf.reshape(g, [a, kept, 1, rest]), [
    [0, 0],
    [0, 0],
    [0, stride - 1],
    [0, 0],
  ]);
  const spread = tf.reshape(padded, [a, kept * stride, rest]);
  return kept * stride === length ? spread : tf.slice(spread, [0, 0, 0], [a, length, rest]);
}
