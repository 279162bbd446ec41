/**
 * BERT's `attention.output` (and the same shape of block after the feed-forward): a dense
 * projection, dropout, the residual connection and LayerNorm: LayerNorm(dropout(dense(h)) + input).
 */
import { Module } from '../module';
import { tf, type Tensor } from '../tf';
import { Dropout } from './dropout';
import { SeedSequence } from './init';
import { BERT_LAYER_NORM_EPS, LayerNorm } from './layer-norm';
import { Linear } from './linear';

export interface ResidualOutputOptions {
  dropout?: number;
  layerNormEps?: number;
  seed?: number;
}

export class ResidualOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(inFeatures: number, outFeatures: number, options: ResidualOutputOptions = {}) {
    super();
    const seeds = new SeedSequence(options.seed ?? 1);
    this.dense = this.registerModule('dense', new Linear(inFeatures, outFeatures, { seed: seeds.take() }));
    this.LayerNorm = this.registerModule(
      'LayerNorm',
      new LayerNorm(outFeatures, options.layerNormEps ?? BERT_LAYER_NORM_EPS),
    );
    this.dropout = this.registerModule('dropout', new Dropout(options.dropout ?? 0.1, { seed: seeds.take() }));
  }

  /** hidden: [..., in], input (the residual): [..., out] -> [..., out]. */
  apply(hidden: Tensor, input: Tensor): Tensor {
    return tf.tidy(() => this.LayerNorm.apply(tf.add(this.dropout.apply(this.layer('dense').apply(hidden)), input)));
  }
}
