/**
 * Merlin's image encoder layout (`encode_image.i3_resnet`): stem conv1 (3x7x7, stride 1x2x2,
 * padding 1x3x3), bn1, ReLU, maxpool (3, stride 2, padding 1), four stages layer1..layer4 of
 * bottleneck blocks (strides 1, 2, 2, 2), global average pooling, and `contrastive_head`, a 1x1x1
 * Conv3d to the embedding. Activations are NDHWC: a volume of x-fastest voxels [nx, ny, nz] is the
 * tensor [N, nz, ny, nx, C] without any copy. (Merlin itself reads (B,1,Z,X,Y): real Merlin
 * weights need x and y swapped; see the presets' `layout`.)
 */
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { BatchNorm3d } from '../../layers/batch-norm3d';
import { Conv3d } from '../../layers/conv3d';
import { SeedSequence } from '../../layers/init';
import { MaxPool3d } from '../../layers/max-pool3d';
import { globalAvgPool3d } from '../../layers/pooling';
import { Sequence } from '../../layers/sequence';
import { checkpointed, type CheckpointableStack } from '../../train/gradient-checkpoint';
import { BOTTLENECK_EXPANSION, BottleneckBlock } from './bottleneck-block';
import type { CtVlmConfig } from './ctvlm-config';

export class I3ResNet extends Module implements CheckpointableStack {
  /** Run each bottleneck block checkpointed while gradients are recorded (see gradient-checkpoint.ts). */
  gradientCheckpointing = false;
  private readonly bn1: BatchNorm3d;
  private readonly maxpool: MaxPool3d;
  private readonly stages: Sequence[];
  readonly featureChannels: number;

  constructor(config: CtVlmConfig['image'], embedDim: number, seed: number) {
    super();
    const seeds = new SeedSequence(seed);
    this.registerModule(
      'conv1',
      new Conv3d(config.inputChannels, config.stemChannels, [3, 7, 7], {
        stride: [1, 2, 2],
        padding: [1, 3, 3],
        bias: false,
        seed: seeds.take(),
      }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm3d(config.stemChannels));
    this.maxpool = this.registerModule('maxpool', new MaxPool3d(3, 2, 1));
    let channels = config.stemChannels;
    this.stages = config.widths.map((width, stage) => {
      const blocks = new Sequence();
      for (let b = 0; b < (config.blocks[stage] ?? 1); b += 1) {
        const stride = b === 0 && stage > 0 ? 2 : 1;
        blocks.add(new BottleneckBlock(channels, width, stride, seeds));
        channels = width * BOTTLENECK_EXPANSION;
      }
      return this.registerModule(`layer${stage + 1}`, blocks);
    });
    this.featureChannels = channels;
    this.registerModule('contrastive_head', new Conv3d(channels, embedDim, 1, { seed: seeds.take() }));
  }

  /** x: [N, D, H, W, C] -> image embedding [N, embedDim] (not normalised). */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => this.embedFeatures(this.features(x)));
  }

  /**
   * The last convolutional block's activations (layer4's output), [N, d, h, w, featureChannels]:
   * what Grad-CAM weights: depth / 16, height and width / 32 of the input (rounded up).
   */
  features(x: Tensor): Tensor {
    return tf.tidy(() => this.featuresFrom(this.prefix(x, 0), 0));
  }

  /** The stem's output followed by the first `stages` of layer1..layer4 (0: the stem only). */
  prefix(x: Tensor, stages: number): Tensor {
    return tf.tidy(() => {
      let y = this.maxpool.apply(this.bn1.applyRelu(this.layer('conv1').apply(x)));
      for (const stage of this.stages.slice(0, stages)) y = this.runStage(stage, y);
      return y;
    });
  }

  /** Continue from prefix(x, stages) to layer4's output: features(x) = featuresFrom(prefix(x, k), k). */
  featuresFrom(y: Tensor, stages: number): Tensor {
    return tf.tidy(() => {
      let out = y;
      for (const stage of this.stages.slice(stages)) out = this.runStage(stage, out);
      return out;
    });
  }

  /** One stage's blocks in order (Sequence.apply), each checkpointed when that is on. */
  private runStage(stage: Sequence, x: Tensor): Tensor {
    if (!this.gradientCheckpointing) return stage.apply(x);
    return tf.tidy(() => {
      let y = x;
      for (let i = 0; i < stage.length; i += 1) {
        const block = stage.at(i);
        y = checkpointed(block, [y], (input) => block.apply(input));
      }
      return y;
    });
  }

  /** Module names of the stem (conv1, bn1) and of layer1..layer4, in order: what prefix(x, k) runs is stem + the first k. */
  static readonly STAGE_NAMES = ['layer1', 'layer2', 'layer3', 'layer4'] as const;

  /** Global average pooling and contrastive_head: features -> embedding [N, embedDim]. */
  embedFeatures(features: Tensor): Tensor {
    return tf.tidy(() => {
      const pooled = tf.reshape(globalAvgPool3d(features), [features.shape[0] ?? -1, 1, 1, 1, this.featureChannels]);
      const head = this.layer('contrastive_head').apply(pooled);
      return tf.reshape(head, [head.shape[0] ?? -1, head.shape[4] ?? -1]);
    });
  }
}
