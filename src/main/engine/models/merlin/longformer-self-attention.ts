/**
 * Longformer's `attention.self`: sliding-window local attention through `query`, `key`, `value`,
 * and, for a token with global attention (here at most the first one), a full attention through
 * the separate `query_global`, `key_global`, `value_global` projections. Queries are scaled by
 * 1/sqrt(head_dim) before the product, as Hugging Face does. Which keys each query sees comes from
 * longformerAttentionBias; the scores are computed densely ([B, H, T, T]), which gives the same
 * result as the chunked band product for any window.
 */
import { BugError } from '../../../../shared/errors';
import { Dropout } from '../../layers/dropout';
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import type { LongformerAttentionBias } from './longformer-attention-mask';

export const LONGFORMER_PROJECTIONS = ['query', 'key', 'value', 'query_global', 'key_global', 'value_global'] as const;

export class LongformerSelfAttention extends Module {
  readonly headDim: number;
  readonly dropout: Dropout;

  constructor(
    readonly dim: number,
    readonly numHeads: number,
    options: { dropout: number; seed: number },
  ) {
    super();
    if (!Number.isInteger(numHeads) || numHeads < 1 || dim % numHeads !== 0) {
      throw new BugError(`Attention dim ${dim} is not divisible into ${numHeads} heads.`);
    }
    this.headDim = dim / numHeads;
    const seeds = new SeedSequence(options.seed);
    for (const name of LONGFORMER_PROJECTIONS) this.registerModule(name, new Linear(dim, dim, { seed: seeds.take() }));
    this.dropout = this.registerModule('dropout', new Dropout(options.dropout, { seed: seeds.take() }));
  }

  /** x: [B, T, D] -> context [B, T, D] (before attention.output). */
  apply(x: Tensor, bias: LongformerAttentionBias, globalFirstToken: boolean): Tensor {
    const [batch, tokens, dim] = x.shape;
    if (x.rank !== 3 || batch === undefined || tokens === undefined || dim !== this.dim) {
      throw new BugError(`Longformer attention expects [B, T, ${this.dim}], got [${x.shape.join(', ')}].`);
    }
    return tf.tidy(() => {
      const local = this.attend(x, x, ['query', 'key', 'value'], bias.local, batch);
      const kept = tf.mul(local.probs, bias.queryKeep);
      let context = tf.matMul(this.dropout.apply(kept), local.values); // [B, H, T, dh]
      if (globalFirstToken) {
        const first = tf.slice(x, [0, 0, 0], [-1, 1, -1]);
        const global = this.attend(first, x, ['query_global', 'key_global', 'value_global'], bias.global, batch);
        const firstContext = tf.matMul(this.dropout.apply(global.probs), global.values); // [B, H, 1, dh]
        context = tf.concat([firstContext, tf.slice(context, [0, 0, 1, 0], [-1, -1, -1, -1])], 2);
      }
      return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, tokens, this.dim]);
    });
  }

  /** Softmax weights [B, H, Tq, Tk] of queries from `from` over keys of `to`, and the values [B, H, Tk, dh]. */
  private attend(
    from: Tensor,
    to: Tensor,
    [query, key, value]: readonly [string, string, string],
    bias: Tensor,
    batch: number,
  ): { probs: Tensor; values: Tensor } {
    const q = tf.mul(this.heads(this.layer(query).apply(from), batch), 1 / Math.sqrt(this.headDim));
    const k = this.heads(this.layer(key).apply(to), batch);
    const scores = tf.add(tf.matMul(q, k, false, true), bias);
    return { probs: tf.softmax(scores, -1), values: this.heads(this.layer(value).apply(to), batch) };
  }

  /** [B, T, D] -> [B, H, T, dh]. */
  private heads(x: Tensor, batch: number): Tensor {
    const tokens = x.shape[1] ?? -1;
    return tf.transpose(tf.reshape(x, [batch, tokens, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }
}
