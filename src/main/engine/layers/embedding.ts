/**
 * Token embedding with PyTorch's key name `weight` [vocab, dim]. Lookup by gather with a
 * scatter-add gradient (see embedding-lookup.ts), so it trains on the cpu and wasm backends.
 * Ids outside [0, vocab) are refused (tf.gather would silently return zeros on cpu).
 */
import { UserError } from '../../../shared/errors';
import { Module } from '../module';
import { tf, type Tensor, type Variable } from '../tf';
import { embeddingLookup } from './embedding-lookup';

export interface TokenEmbeddingOptions {
  /** Standard deviation of the normal initialisation (PyTorch nn.Embedding: 1; BERT: 0.02). */
  initStd?: number;
  seed?: number;
  /** Check that every id is in range (one read-back of the ids per call). Default true. */
  checkIds?: boolean;
}

const SYNC_READ_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

export class TokenEmbedding extends Module {
  readonly weight: Variable;
  private readonly checkIds: boolean;

  constructor(
    readonly vocab: number,
    readonly dim: number,
    options: TokenEmbeddingOptions = {},
  ) {
    super();
    this.checkIds = options.checkIds ?? true;
    this.weight = this.registerParameter(
      'weight',
      tf.randomNormal([vocab, dim], 0, options.initStd ?? 1, 'float32', options.seed ?? 1),
    );
  }

  /** ids: int32 [...] -> [..., dim]. */
  apply(ids: Tensor): Tensor {
    // Reading ids back is synchronous: only where that is cheap and possible (a GPU backend under
    // Node cannot read synchronously). On a GPU, ids come from a tokenizer whose vocabulary was
    // checked against the model once (CtVlm.assertTokenizerFits).
    if (this.checkIds && SYNC_READ_BACKENDS.has(tf.getBackend())) this.assertIdsInRange(ids);
    return embeddingLookup(this.weight, ids);
  }

  private assertIdsInRange(ids: Tensor): void {
    const values = ids.dataSync();
    for (const id of values) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocab) {
        throw new UserError('INVALID_INPUT', `Token id ${id} is outside the vocabulary of ${this.vocab} tokens.`);
      }
    }
  }
}
