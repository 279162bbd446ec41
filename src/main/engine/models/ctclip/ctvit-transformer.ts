/**
 * One of CTViT's two transformer stacks (`enc_spatial_transformer`, `enc_temporal_transformer`):
 * `layers.N` holds 0 PEG, 1 attention, (2: the reference's empty cross-attention slot), 3
 * feed-forward; each is added to its input; `norm_out` (gamma LayerNorm) closes the stack.
 */
import { SeedSequence } from '../../layers/init';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { checkpointed, type CheckpointableStack } from '../../train/gradient-checkpoint';
import type { CtClipImageConfig } from './ctclip-config';
import { feedForwardInnerSize } from './ctclip-config';
import { CosineSimAttention } from './cosine-sim-attention';
import { GammaLayerNorm } from './gamma-layer-norm';
import { GegluFeedForward } from './geglu-feed-forward';
import { Peg, type VideoShape } from './peg';

class CtVitLayer extends Module {
  readonly peg: Peg;
  readonly attention: CosineSimAttention;
  readonly feedForward: GegluFeedForward;

  constructor(config: CtClipImageConfig, seeds: SeedSequence) {
    super();
    this.peg = this.registerModule('0', new Peg(config.dim, true, seeds.take()));
    this.attention = this.registerModule(
      '1',
      new CosineSimAttention(config.dim, {
        dimHead: config.dimHead,
        heads: config.heads,
        numNullKv: config.numNullKv,
        scale: config.attentionScale,
        seed: seeds.take(),
      }),
    );
    this.feedForward = this.registerModule(
      '3',
      new GegluFeedForward(config.dim, feedForwardInnerSize(config), { seed: seeds.take() }),
    );
  }

  apply(x: Tensor, videoShape: VideoShape, bias?: Tensor): Tensor {
    return tf.tidy(() => {
      let y = tf.add(this.peg.apply(x, videoShape), x);
      y = tf.add(this.attention.apply(y, bias), y);
      return tf.add(this.feedForward.apply(y), y);
    });
  }
}

class LayerList extends Module {
  readonly items: CtVitLayer[] = [];

  constructor(config: CtClipImageConfig, depth: number, seeds: SeedSequence) {
    super();
    for (let i = 0; i < depth; i += 1) this.items.push(this.registerModule(String(i), new CtVitLayer(config, seeds)));
  }
}

export class CtVitTransformer extends Module implements CheckpointableStack {
  /** Run each layer checkpointed while gradients are recorded (see gradient-checkpoint.ts). */
  gradientCheckpointing = false;
  readonly layers: LayerList;
  readonly norm_out: GammaLayerNorm;

  constructor(config: CtClipImageConfig, depth: number, seed: number) {
    super();
    this.layers = this.registerModule('layers', new LayerList(config, depth, new SeedSequence(seed)));
    this.norm_out = this.registerModule('norm_out', new GammaLayerNorm(config.dim));
  }

  /** x: [B', n, dim] tokens of a (b, t, h, w) grid; bias: optional [heads, n, n] -> same shape. */
  apply(x: Tensor, videoShape: VideoShape, bias?: Tensor): Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const layer of this.layers.items) y = this.runLayer(layer, y, videoShape, bias);
      return this.norm_out.apply(y);
    });
  }

  private runLayer(layer: CtVitLayer, x: Tensor, videoShape: VideoShape, bias?: Tensor): Tensor {
    if (!this.gradientCheckpointing) return layer.apply(x, videoShape, bias);
    if (!bias) return checkpointed(layer, [x], (input) => layer.apply(input, videoShape));
    return checkpointed(layer, [x, bias], (input, b) => layer.apply(input, videoShape, b));
  }
}
