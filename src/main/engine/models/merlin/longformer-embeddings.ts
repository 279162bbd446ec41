/**
 * Longformer's (RoBERTa's) `embeddings`: word + position + token-type embeddings, LayerNorm,
 * dropout, with the Hugging Face key names. Unlike BERT, position ids come from the token ids:
 * the n-th non-padding token gets position padTokenId + n (the first one padTokenId + 1), and a
 * padding token gets padTokenId itself.
 */
import { BugError } from '../../../../shared/errors';
import { Dropout } from '../../layers/dropout';
import { TokenEmbedding } from '../../layers/embedding';
import { SeedSequence } from '../../layers/init';
import { LayerNorm } from '../../layers/layer-norm';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import type { MerlinConfig } from './merlin-config';

/**
 * ids int32 [B, T] -> position ids int32 [B, T]: cumsum(ids != pad) * (ids != pad) + pad. The
 * running count is summed in float32 (exact far beyond any sequence length), since not every
 * backend has an int32 cumsum.
 */
export function longformerPositionIds(ids: Tensor, padTokenId: number): Tensor {
  return tf.tidy(() => {
    const notPad = tf.cast(tf.notEqual(ids, tf.scalar(padTokenId, 'int32')), 'float32');
    return tf.cast(tf.add(tf.mul(tf.cumsum(notPad, 1), notPad), padTokenId), 'int32');
  });
}

export class LongformerEmbeddings extends Module {
  readonly word_embeddings: TokenEmbedding;
  readonly position_embeddings: TokenEmbedding;
  readonly token_type_embeddings: TokenEmbedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(
    readonly config: MerlinConfig['text'],
    seed: number,
  ) {
    super();
    const seeds = new SeedSequence(seed);
    const std = { initStd: 0.02 };
    const { vocabSize, hiddenSize, maxPositions, typeVocabSize } = config;
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
      new TokenEmbedding(typeVocabSize, hiddenSize, { ...std, seed: seeds.take() }),
    );
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(hiddenSize, config.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout, { seed: seeds.take() }));
  }

  /** ids: int32 [B, T] -> [B, T, hidden]. Token types are all 0 (Merlin's tokenizer gives none). */
  apply(ids: Tensor): Tensor {
    const [batch, tokens] = ids.shape;
    if (ids.rank !== 2 || batch === undefined || tokens === undefined) {
      throw new BugError(`Longformer embeddings expect ids [B, T], got [${ids.shape.join(', ')}].`);
    }
    if (tokens + this.config.padTokenId >= this.config.maxPositions) {
      throw new BugError(
        `${tokens} tokens need position ids up to ${tokens + this.config.padTokenId}, beyond the ${this.config.maxPositions} positions of this model.`,
      );
    }
    return tf.tidy(() => {
      const words = this.word_embeddings.apply(ids);
      const positions = this.position_embeddings.apply(longformerPositionIds(ids, this.config.padTokenId));
      const types = this.token_type_embeddings.apply(tf.zeros([batch, tokens], 'int32'));
      return this.dropout.apply(this.LayerNorm.apply(tf.add(tf.add(words, positions), types)));
    });
  }
}
