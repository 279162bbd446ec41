/**
 * BERT's attention block (`encoder.layer.N.attention`): children `self` (query/key/value heads)
 * and `output` (dense + LayerNorm with the residual), so checkpoint keys such as
 * `attention.self.query.weight` and `attention.output.LayerNorm.bias` map one to one.
 */
import { Module } from '../module';
import { tf, type Tensor } from '../tf';
import { ResidualOutput } from './attention-output';
import { SeedSequence } from './init';
import { BERT_LAYER_NORM_EPS } from './layer-norm';
import { SelfAttention } from './self-attention';

export interface MultiHeadSelfAttentionOptions {
  numHeads: number;
  /** Dropout on the attention probabilities (BERT default 0.1). */
  attentionDropout?: number;
  /** Dropout after the output projection (BERT default 0.1). */
  hiddenDropout?: number;
  layerNormEps?: number;
  seed?: number;
}

export class MultiHeadSelfAttention extends Module {
  readonly self: SelfAttention;
  readonly output: ResidualOutput;

  constructor(
    readonly dim: number,
    options: MultiHeadSelfAttentionOptions,
  ) {
    super();
    const seeds = new SeedSequence(options.seed ?? 1);
    this.self = this.registerModule(
      'self',
      new SelfAttention(dim, { numHeads: options.numHeads, dropout: options.attentionDropout, seed: seeds.take() }),
    );
    this.output = this.registerModule(
      'output',
      new ResidualOutput(dim, dim, {
        dropout: options.hiddenDropout,
        layerNormEps: options.layerNormEps ?? BERT_LAYER_NORM_EPS,
        seed: seeds.take(),
      }),
    );
  }

  /** x: [B, T, D], mask: optional [B, T] (1 keep, 0 pad) -> [B, T, D]. */
  apply(x: Tensor, mask?: Tensor): Tensor {
    return tf.tidy(() => this.output.apply(this.self.apply(x, mask), x));
  }
}
