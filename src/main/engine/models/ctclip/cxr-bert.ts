/**
 * CT-CLIP's text encoder, `text_transformer`: a Hugging Face BertModel (CXR-BERT-specialized
 * loaded with BertModel.from_pretrained): the engine's BertEncoder (`embeddings.*`,
 * `encoder.layer.N.*`) plus `pooler.dense`, which CT-CLIP saves but never uses (its text latent
 * is taken from the first token's last hidden state).
 */
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { BertEncoder } from '../ctvlm/bert-encoder';
import type { CtClipTextConfig } from './ctclip-config';

/** BERT's pooler: tanh(dense(first token)). */
class BertPooler extends Module {
  constructor(hidden: number, seed: number) {
    super();
    this.registerModule('dense', new Linear(hidden, hidden, { seed }));
  }

  /** hidden states [B, T, H] -> [B, H]. */
  apply(hidden: Tensor): Tensor {
    return tf.tidy(() => tf.tanh(this.layer('dense').apply(firstToken(hidden))));
  }
}

export class CxrBertModel extends BertEncoder {
  readonly pooler: BertPooler;

  constructor(config: CtClipTextConfig, seed: number) {
    const seeds = new SeedSequence(seed);
    super(
      {
        vocabSize: config.vocabSize,
        hiddenSize: config.hiddenSize,
        layers: config.layers,
        heads: config.heads,
        intermediateSize: config.intermediateSize,
        maxPositions: config.maxPositions,
        maxLength: config.maxLength ?? config.maxPositions,
        dropout: config.dropout,
      },
      seeds.take(),
    );
    this.pooler = this.registerModule('pooler', new BertPooler(config.hiddenSize, seeds.take()));
  }
}

/** [B, T, H] -> [B, H]: the first token's vector. */
export function firstToken(hidden: Tensor): Tensor {
  return tf.tidy(() => tf.squeeze(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [1]));
}
