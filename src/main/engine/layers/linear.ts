/** Linear layer: y = x W^T + b, with PyTorch's weight layout [out, in] and key names. */
import { Module } from '../module';
import { tf, type Tensor, type Variable } from '../tf';
import { torchDefaultUniform } from './init';

export interface LinearOptions {
  bias?: boolean;
  seed?: number;
}

export class Linear extends Module {
  readonly weight: Variable;
  readonly bias: Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const seed = options.seed ?? 1;
    this.weight = this.registerParameter('weight', torchDefaultUniform([outFeatures, inFeatures], inFeatures, seed));
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter('bias', torchDefaultUniform([outFeatures], inFeatures, seed + 1));
  }

  /** x: [..., inFeatures] -> [..., outFeatures]. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      const leading = x.shape.slice(0, -1);
      const flat = tf.reshape(x, [-1, this.inFeatures]);
      const y = tf.matMul(flat, this.weight, false, true);
      const withBias = this.bias ? tf.add(y, this.bias) : y;
      return tf.reshape(withBias, [...leading, this.outFeatures]);
    });
  }
}
