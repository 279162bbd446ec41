/**
 * Clinical-Longformer as Hugging Face's LongformerModel builds it (`embeddings`, `encoder.layer.N`,
 * `pooler.dense`), so Merlin's `encode_text.text_encoder.*` keys load one to one. The pooler is
 * part of the checkpoint (AutoModel adds it) but Merlin never uses its output: apply() returns the
 * last hidden states. Padding to a multiple of the attention window, which Hugging Face does
 * before the layers, changes nothing for real tokens (padding keys are masked), so it is skipped.
 */
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { checkpointed, type CheckpointableStack } from '../../train/gradient-checkpoint';
import { longformerAttentionBias } from './longformer-attention-mask';
import { LongformerEmbeddings } from './longformer-embeddings';
import { LongformerLayer } from './longformer-layer';
import type { MerlinConfig } from './merlin-config';

class LayerList extends Module {
  readonly layers: LongformerLayer[] = [];

  constructor(config: MerlinConfig['text'], seeds: SeedSequence) {
    super();
    for (let i = 0; i < config.layers; i += 1)
      this.layers.push(this.registerModule(String(i), new LongformerLayer(config, seeds)));
  }
}

class LongformerEncoder extends Module {
  readonly list: LayerList;

  constructor(config: MerlinConfig['text'], seeds: SeedSequence) {
    super();
    this.list = this.registerModule('layer', new LayerList(config, seeds));
  }
}

class Pooler extends Module {
  constructor(hidden: number, seed: number) {
    super();
    this.registerModule('dense', new Linear(hidden, hidden, { seed }));
  }

  /** hidden [B, T, D] -> tanh(dense(first token)) [B, D] (kept for completeness; Merlin does not use it). */
  apply(hidden: Tensor): Tensor {
    return tf.tidy(() => tf.tanh(this.layer('dense').apply(tf.squeeze(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [1]))));
  }
}

export class LongformerModel extends Module implements CheckpointableStack {
  /** Run each layer checkpointed while gradients are recorded (see gradient-checkpoint.ts). */
  gradientCheckpointing = false;
  private readonly embeddings: LongformerEmbeddings;
  private readonly encoder: LongformerEncoder;
  readonly pooler: Pooler;

  constructor(
    readonly config: MerlinConfig['text'],
    seed: number,
  ) {
    super();
    const seeds = new SeedSequence(seed);
    this.embeddings = this.registerModule('embeddings', new LongformerEmbeddings(config, seeds.take()));
    this.encoder = this.registerModule('encoder', new LongformerEncoder(config, seeds));
    this.pooler = this.registerModule('pooler', new Pooler(config.hiddenSize, seeds.take()));
  }

  /** ids: int32 [B, T], mask: [B, T] (1 token, 0 padding) -> last hidden states [B, T, D]. */
  apply(ids: Tensor, mask: Tensor): Tensor {
    const { attentionWindow, globalFirstToken } = this.config;
    return tf.tidy(() => {
      const bias = longformerAttentionBias(mask, attentionWindow, globalFirstToken);
      let hidden = this.embeddings.apply(ids);
      for (const layer of this.encoder.list.layers) {
        hidden = this.gradientCheckpointing
          ? checkpointed(layer, [hidden, bias.local, bias.global, bias.queryKeep], (h, local, global, queryKeep) =>
              layer.apply(h, { local, global, queryKeep }, globalFirstToken),
            )
          : layer.apply(hidden, bias, globalFirstToken);
      }
      return hidden;
    });
  }
}
