/**
 * 3D convolution with PyTorch's weight layout [out, in, kd, kh, kw] and key names. Activations
 * are NDHWC (the only layout tfjs's conv3d takes); explicit zero padding as PyTorch's `padding`.
 */
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

  /** x: [N, D, H, W, inChannels] -> [N, D', H', W', outChannels]. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      const filter = torchToTfFilter(this.weight);
      const padded = padSpatial(x, this.padding) as tf.Tensor5D;
      const y = tf.conv3d(padded, filter, this.stride, 'valid');
      return this.bias ? addChannelVector(y, this.bias) : y;
    });
  }
}
