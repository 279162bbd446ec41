/**
 * A BERT-style text encoder with the Hugging Face key names (`embeddings.*`,
 * `encoder.layer.N.attention.self.{query,key,value}`, `attention.output.dense`,
 * `intermediate.dense`, `output.dense`, `output.LayerNorm`), post-LayerNorm, exact GELU.
 */
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { MultiHeadSelfAttention } from '../../layers/attention';
import { ResidualOutput } from '../../layers/attention-output';
import { Embeddings } from '../../layers/bert-embeddings';
import { gelu } from '../../layers/fused-gelu/gelu';
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { checkpointed, type CheckpointableStack } from '../../train/gradient-checkpoint';
import type { CtVlmConfig } from './ctvlm-config';

class Intermediate extends Module {
  constructor(hidden: number, intermediate: number, seed: number) {
    super();
    this.registerModule('dense', new Linear(hidden, intermediate, { seed }));
  }

  apply(x: Tensor): Tensor {
    return tf.tidy(() => gelu(this.layer('dense').apply(x)));
  }
}

class BertLayer extends Module {
  private readonly attention: MultiHeadSelfAttention;
  private readonly intermediate: Intermediate;
  private readonly output: ResidualOutput;

  constructor(config: CtVlmConfig['text'], seeds: SeedSequence) {
    super();
    const { hiddenSize, heads, intermediateSize, dropout } = config;
    this.attention = this.registerModule(
      'attention',
      new MultiHeadSelfAttention(hiddenSize, {
        numHeads: heads,
        attentionDropout: dropout,
        hiddenDropout: dropout,
        seed: seeds.take(),
      }),
    );
    this.intermediate = this.registerModule(
      'intermediate',
      new Intermediate(hiddenSize, intermediateSize, seeds.take()),
    );
    this.output = this.registerModule(
      'output',
      new ResidualOutput(intermediateSize, hiddenSize, { dropout, seed: seeds.take() }),
    );
  }

  apply(x: Tensor, mask: Tensor): Tensor {
    return tf.tidy(() => {
      const attended = this.attention.apply(x, mask);
      return this.output.apply(this.intermediate.apply(attended), attended);
    });
  }
}

class LayerList extends Module {
  readonly layers: BertLayer[] = [];

  constructor(config: CtVlmConfig['text'], seeds: SeedSequence) {
    super();
    for (let i = 0; i < config.layers; i += 1)
      this.layers.push(this.registerModule(String(i), new BertLayer(config, seeds)));
  }
}

class Encoder extends Module {
  readonly list: LayerList;

  constructor(config: CtVlmConfig['text'], seeds: SeedSequence) {
    super();
    this.list = this.registerModule('layer', new LayerList(config, seeds));
  }
}

export class BertEncoder extends Module implements CheckpointableStack {
  /** Run each layer checkpointed while gradients are recorded (see gradient-checkpoint.ts). */
  gradientCheckpointing = false;
  private readonly embeddings: Embeddings;
  private readonly encoder: Encoder;

  constructor(config: CtVlmConfig['text'], seed: number) {
    super();
    const seeds = new SeedSequence(seed);
    this.embeddings = this.registerModule(
      'embeddings',
      new Embeddings({
        vocabSize: config.vocabSize,
        hiddenSize: config.hiddenSize,
        maxPositions: config.maxPositions,
        dropout: config.dropout,
        seed: seeds.take(),
      }),
    );
    this.encoder = this.registerModule('encoder', new Encoder(config, seeds));
  }

  /** ids: int32 [B, T], mask: [B, T] (1 token, 0 padding) -> hidden states [B, T, H]. */
  apply(ids: Tensor, mask: Tensor): Tensor {
    return tf.tidy(() => {
      let hidden = this.embeddings.apply(ids);
      for (const layer of this.encoder.list.layers) {
        hidden = this.gradientCheckpointing
          ? checkpointed(layer, [hidden, mask], (h, m) => layer.apply(h, m))
          : layer.apply(hidden, mask);
      }
      return hidden;
    });
  }
}
