/**
 * Scaled dot-product multi-head attention with BERT's key names (`query`, `key`, `value`): the
 * module BERT calls `attention.self`. Returns the per-token context [B, T, D] before the output
 * projection. Without attention dropout (evaluation, or rate 0) the heads go through fusedAttention
 * (one WGSL dispatch on WebGPU, and a backward that keeps no [B, H, T, T] tensors); with dropout
 * active the probabilities are formed, dropped and multiplied by v as tfjs ops, since the fused
 * op has no dropout.
 */
import { BugError } from '../../../shared/errors';
import { Module } from '../module';
import { tf, type Tensor } from '../tf';
import { additiveKeyMask } from './attention-mask';
import { Dropout } from './dropout';
import { fusedAttention } from './fused-attention/fused-attention';
import { SeedSequence } from './init';
import { Linear } from './linear';

export interface SelfAttentionOptions {
  numHeads: number;
  /** Dropout on the attention probabilities (BERT: attention_probs_dropout_prob = 0.1). */
  dropout?: number;
  seed?: number;
}

export class SelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;
  readonly numHeads: number;
  readonly headDim: number;

  constructor(
    readonly dim: number,
    options: SelfAttentionOptions,
  ) {
    super();
    if (!Number.isInteger(options.numHeads) || options.numHeads < 1 || dim % options.numHeads !== 0) {
      throw new BugError(`Attention dim ${dim} is not divisible into ${options.numHeads} heads.`);
    }
    this.numHeads = options.numHeads;
    this.headDim = dim / options.numHeads;
    const seeds = new SeedSequence(options.seed ?? 1);
    this.query = this.registerModule('query', new Linear(dim, dim, { seed: seeds.take() }));
    this.key = this.registerModule('key', new Linear(dim, dim, { seed: seeds.take() }));
    this.value = this.registerModule('value', new Linear(dim, dim, { seed: seeds.take() }));
    this.dropout = this.registerModule('dropout', new Dropout(options.dropout ?? 0.1, { seed: seeds.take() }));
  }

  /** x: [B, T, D], mask: optional [B, T] (1 keep, 0 pad) -> context [B, T, D]. */
  apply(x: Tensor, mask?: Tensor): Tensor {
    return tf.tidy(() => {
      const [batch, tokens] = this.checkInput(x);
      const value = this.heads(this.layer('value').apply(x), batch, tokens);
      const context = this.dropoutActive() // [B, H, T, dh]
        ? tf.matMul(this.dropout.apply(this.probabilities(x, mask)), value)
        : fusedAttention(
            this.heads(this.layer('query').apply(x), batch, tokens),
            this.heads(this.layer('key').apply(x), batch, tokens),
            value,
            { scale: this.scale, mask },
          );
      return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, tokens, this.dim]);
    });
  }

  /** Attention weights [B, H, T(query), T(key)], each row summing to 1 (no dropout). */
  probabilities(x: Tensor, mask?: Tensor): Tensor {
    return tf.tidy(() => {
      const [batch, tokens] = this.checkInput(x);
      const q = this.heads(this.layer('query').apply(x), batch, tokens);
      const k = this.heads(this.layer('key').apply(x), batch, tokens);
      const scores = tf.mul(tf.matMul(q, k, false, true), this.scale);
      const masked = mask ? tf.add(scores, additiveKeyMask(mask, batch, tokens)) : scores;
      return tf.softmax(masked, -1);
    });
  }

  private get scale(): number {
    return 1 / Math.sqrt(this.headDim);
  }

  /** Whether Dropout.apply would change the probabilities (training mode with a nonzero rate). */
  private dropoutActive(): boolean {
    return this.dropout.training && this.dropout.rate > 0;
  }

  /** [B, T, D] -> [B, H, T, dh]. */
  private heads(x: Tensor, batch: number, tokens: number): Tensor {
    return tf.transpose(tf.reshape(x, [batch, tokens, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }

  private checkInput(x: Tensor): [number, number] {
    const [batch, tokens, dim] = x.shape;
    if (x.shape.length !== 3 || batch === undefined || tokens === undefined || dim !== this.dim) {
      throw new BugError(`Attention expects [B, T, ${this.dim}], got [${x.shape.join(', ')}].`);
    }
    return [batch, tokens];
  }
}
