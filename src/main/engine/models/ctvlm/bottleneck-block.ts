/**
 * An I3D ResNet bottleneck block with Merlin's key names: conv1 (1x1x1), bn1, conv2 (3x3x3, the
 * block's stride on all three axes), bn2, conv3 (1x1x1, 4x expansion), bn3, and downsample.0/.1
 * (1x1x1 conv + BN) when the shape changes. Convolutions have no bias.
 */
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { BatchNorm3d } from '../../layers/batch-norm3d';
import { Conv3d } from '../../layers/conv3d';
import type { SeedSequence } from '../../layers/init';

export const BOTTLENECK_EXPANSION = 4;

class Downsample extends Module {
  constructor(inChannels: number, outChannels: number, stride: number, seeds: SeedSequence) {
    super();
    this.registerModule('0', new Conv3d(inChannels, outChannels, 1, { stride, bias: false, seed: seeds.take() }));
    this.registerModule('1', new BatchNorm3d(outChannels));
  }

  apply(x: Tensor): Tensor {
    return this.layer('1').apply(this.layer('0').apply(x));
  }
}

export class BottleneckBlock extends Module {
  private readonly bn1: BatchNorm3d;
  private readonly bn2: BatchNorm3d;
  private readonly bn3: BatchNorm3d;
  private readonly downsample: Downsample | null;

  constructor(inChannels: number, width: number, stride: number, seeds: SeedSequence) {
    super();
    const out = width * BOTTLENECK_EXPANSION;
    this.registerModule('conv1', new Conv3d(inChannels, width, 1, { bias: false, seed: seeds.take() }));
    this.bn1 = this.registerModule('bn1', new BatchNorm3d(width));
    this.registerModule('conv2', new Conv3d(width, width, 3, { stride, padding: 1, bias: false, seed: seeds.take() }));
    this.bn2 = this.registerModule('bn2', new BatchNorm3d(width));
    this.registerModule('conv3', new Conv3d(width, out, 1, { bias: false, seed: seeds.take() }));
    this.bn3 = this.registerModule('bn3', new BatchNorm3d(out));
    this.downsample =
      stride !== 1 || inChannels !== out
        ? this.registerModule('downsample', new Downsample(inChannels, out, stride, seeds))
        : null;
  }

  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      let y = this.bn1.applyRelu(this.layer('conv1').apply(x));
      y = this.bn2.applyRelu(this.layer('conv2').apply(y));
      y = this.bn3.apply(this.layer('conv3').apply(y));
      const shortcut = this.downsample ? this.downsample.apply(x) : x;
      return tf.relu(tf.add(y, shortcut));
    });
  }
}
