/**
 * One Longformer encoder layer, `encoder.layer.N`: `attention.self` (local + global attention),
 * `attention.output` (dense, dropout, residual, LayerNorm), `intermediate.dense` + exact GELU, and
 * `output` (dense, dropout, residual, LayerNorm): BERT's post-LayerNorm block around Longformer's
 * self-attention.
 */
import { ResidualOutput } from '../../layers/attention-output';
import type { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { gelu } from '../../layers/fused-gelu/gelu';
import type { LongformerAttentionBias } from './longformer-attention-mask';
import { LongformerSelfAttention } from './longformer-self-attention';
import type { MerlinConfig } from './merlin-config';

class LongformerAttention extends Module {
  readonly self: LongformerSelfAttention;
  readonly output: ResidualOutput;

  constructor(config: MerlinConfig['text'], seeds: SeedSequence) {
    super();
    const { hiddenSize, heads, dropout, layerNormEps } = config;
    this.self = this.registerModule(
      'self',
      new LongformerSelfAttention(hiddenSize, heads, { dropout, seed: seeds.take() }),
    );
    this.output = this.registerModule(
      'output',
      new ResidualOutput(hiddenSize, hiddenSize, { dropout, layerNormEps, seed: seeds.take() }),
    );
  }

  apply(x: Tensor, bias: LongformerAttentionBias, globalFirstToken: boolean): Tensor {
    return tf.tidy(() => this.output.apply(this.self.apply(x, bias, globalFirstToken), x));
  }
}

class Intermediate extends Module {
  constructor(hidden: number, intermediate: number, seed: number) {
    super();
    this.registerModule('dense', new Linear(hidden, intermediate, { seed }));
  }

  apply(x: Tensor): Tensor {
    return tf.tidy(() => gelu(this.layer('dense').apply(x)));
  }
}

export class LongformerLayer extends Module {
  private readonly attention: LongformerAttention;
  private readonly intermediate: Intermediate;
  private readonly output: ResidualOutput;

  constructor(config: MerlinConfig['text'], seeds: SeedSequence) {
    super();
    const { hiddenSize, intermediateSize, dropout, layerNormEps } = config;
    this.attention = this.registerModule('attention', new LongformerAttention(config, seeds));
    this.intermediate = this.registerModule(
      'intermediate',
      new Intermediate(hiddenSize, intermediateSize, seeds.take()),
    );
    this.output = this.registerModule(
      'output',
      new ResidualOutput(intermediateSize, hiddenSize, { dropout, layerNormEps, seed: seeds.take() }),
    );
  }

  /** x: [B, T, D] -> [B, T, D]. */
  apply(x: Tensor, bias: LongformerAttentionBias, globalFirstToken: boolean): Tensor {
    return tf.tidy(() => {
      const attended = this.attention.apply(x, bias, globalFirstToken);
      return this.output.apply(this.intermediate.apply(attended), attended);
    });
  }
}
