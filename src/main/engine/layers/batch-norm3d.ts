/**
 * BatchNorm3d with frozen statistics: the output always uses `running_mean` / `running_var`
 * (in training mode too) and never updates them, as the reference fine-tuning code does with its
 * BatchNorm layers. Key names and shapes follow PyTorch (`weight`, `bias`, `running_mean`,
 * `running_var`, `num_batches_tracked`); activations are NDHWC, channels last. `applyRelu` is the
 * layer followed by ReLU as one op (fused-norm/: one dispatch forward on WebGPU).
 */
import { BugError } from '../../../shared/errors';
import { Module } from '../module';
import { frozenBatchNorm, type FrozenBatchNormParts } from './fused-norm/frozen-batch-norm';
import { tf, type Tensor, type Variable } from '../tf';

export interface BatchNorm3dOptions {
  eps?: number;
}

export class BatchNorm3d extends Module {
  readonly weight: Variable;
  readonly bias: Variable;
  readonly eps: number;
  /**
   * While true, apply() first measures its input's per-channel mean and (biased) variance and
   * stores them as the running statistics: the data-dependent start a model trained from scratch
   * needs, since these statistics are otherwise never updated (see batch-norm-calibration.ts).
   */
  calibrating = false;

  constructor(
    readonly channels: number,
    options: BatchNorm3dOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', tf.ones([channels]));
    this.bias = this.registerParameter('bias', tf.zeros([channels]));
    this.registerBuffer('running_mean', tf.zeros([channels]));
    this.registerBuffer('running_var', tf.ones([channels]));
    this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  get runningMean(): Tensor {
    return this.buffer('running_mean');
  }

  get runningVar(): Tensor {
    return this.buffer('running_var');
  }

  /** x: [N, D, H, W, C] (any rank with channels last) -> same shape. */
  apply(x: Tensor): Tensor {
    return this.normalise(x, false);
  }

  /** relu(apply(x)), as one op. */
  applyRelu(x: Tensor): Tensor {
    return this.normalise(x, true);
  }

  private normalise(x: Tensor, relu: boolean): Tensor {
    const channels = x.shape[x.shape.length - 1];
    if (channels !== this.channels) {
      throw new BugError(`BatchNorm3d(${this.channels}) got an input with ${String(channels)} channels.`);
    }
    if (this.calibrating) {
      const axes = x.shape.slice(0, -1).map((_, axis) => axis);
      const { mean, variance } = tf.moments(x, axes);
      this.setBuffer('running_mean', mean);
      this.setBuffer('running_var', variance); // kept: the buffers now own them
    }
    return frozenBatchNorm(x, this.parts(), relu);
  }

  private parts(): FrozenBatchNormParts {
    return {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      eps: this.eps,
    };
  }
}
