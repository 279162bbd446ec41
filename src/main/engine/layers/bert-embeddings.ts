/**
 * BERT's `embeddings` block: word + position + token-type embeddings, LayerNorm, dropout.
 * Keys: `word_embeddings.weight`, `position_embeddings.weight`, `token_type_embeddings.weight`,
 * `LayerNorm.weight`, `LayerNorm.bias`. The stale `position_ids` buffer of older checkpoints is
 * not a member (positions are 0..T-1): drop that key before a strict load.
 */
import { BugError } from '../../../shared/errors';
import { Module } from '../module';
import { tf, type Tensor } from '../tf';
import { Dropout } from './dropout';
import { TokenEmbedding } from './embedding';
import { SeedSequence } from './init';
import { BERT_LAYER_NORM_EPS, LayerNorm } from './layer-norm';

export interface EmbeddingsConfig {
  vocabSize: number;
  hiddenSize: number;
  maxPositions: number;
  typeVocabSize?: number;
  dropout?: number;
  layerNormEps?: number;
  seed?: number;
}

export class Embeddings extends Module {
  readonly word_embeddings: TokenEmbedding;
  readonly position_embeddings: TokenEmbedding;
  readonly token_type_embeddings: TokenEmbedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(readonly config: EmbeddingsConfig) {
    super();
    const seeds = new SeedSequence(config.seed ?? 1);
    const std = { initStd: 0.02 };
    const { vocabSize, hiddenSize, maxPositions } = config;
    this.word_embeddings = this.registerModule(
      'word_embeddings',
      new TokenEmbedding(vocabSize, hiddenSize, { ...std, seed: seeds.take() }),
    );
    this.position_embeddings = this.registerModule(
      'position_embeddings',
      new TokenEmbedding(maxPositions, hiddenSize, { ...std, seed: seeds.take(), checkIds: false }),
    );
    this.token_type_embeddings = this.registerModule(
      'token_type_embeddings',
      new TokenEmbedding(config.typeVocabSize ?? 2, hiddenSize, { ...std, seed: seeds.take() }),
    );
    this.LayerNorm = this.registerModule(
      'LayerNorm',
      new LayerNorm(hiddenSize, config.layerNormEps ?? BERT_LAYER_NORM_EPS),
    );
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout ?? 0.1, { seed: seeds.take() }));
  }

  /** inputIds: int32 [B, T]; tokenTypeIds: int32 [B, T] (default zeros) -> [B, T, hidden]. */
  apply(inputIds: Tensor, tokenTypeIds?: Tensor): Tensor {
    const [batch, tokens] = inputIds.shape;
    if (inputIds.shape.length !== 2 || batch === undefined || tokens === undefined) {
      throw new BugError(`Embeddings expect ids [B, T], got [${inputIds.shape.join(', ')}].`);
    }
    if (tokens > this.config.maxPositions) {
      throw new BugError(`${tokens} tokens exceed the ${this.config.maxPositions} positions of this model.`);
    }
    return tf.tidy(() => {
      const words = this.word_embeddings.apply(inputIds);
      const positions = this.position_embeddings.apply(tf.range(0, tokens, 1, 'int32'));
      const types = this.token_type_embeddings.apply(tokenTypeIds ?? tf.zeros([batch, tokens], 'int32'));
      const sum = tf.add(tf.add(words, types), positions);
      return this.dropout.apply(this.LayerNorm.apply(sum));
    });
  }
}
