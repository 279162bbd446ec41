/**
 * CTViT's attention (transformer_maskgit attention.py `Attention`, as CTViT uses it: no context,
 * no mask, not causal): queries come from the LayerNormed input (`norm`), keys and values from
 * the input as it is (the reference takes kv_input before normalising); q and k are
 * L2-normalised per head and scaled by the learned `q_scale` / `k_scale`; logits are q·k times a
 * fixed scale (8), plus an optional additive bias [heads, n, n]; `num_null_kv` learned key/value
 * pairs (`null_kv` [heads, 2·num_null_kv, dim_head], even rows keys, odd rows values) are put in
 * front. `context_norm` exists only because the reference builds (and saves) it.
 *
 * `to_q`, `to_kv` and `to_out` are called through layer(), so LoRA can wrap them in place.
 * Without attention dropout (the default rate 0, or evaluation) softmax(sim) v runs as
 * fusedAttention (one WGSL dispatch on WebGPU, no [n, n] tensors kept for the backward); with
 * dropout active the probabilities are formed and dropped as tfjs ops.
 */
import { BugError } from '../../../../shared/errors';
import { Dropout } from '../../layers/dropout';
import { fusedAttention } from '../../layers/fused-attention/fused-attention';
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { l2Normalize } from '../../losses/embedding-similarity';
import { Module } from '../../module';
import { tf, type Tensor, type Variable } from '../../tf';
import { GammaLayerNorm } from './gamma-layer-norm';

export interface CosineSimAttentionOptions {
  dimHead: number;
  heads: number;
  numNullKv: number;
  scale: number;
  dropout?: number;
  seed?: number;
}

export class CosineSimAttention extends Module {
  readonly norm: GammaLayerNorm;
  readonly context_norm: GammaLayerNorm;
  readonly null_kv: Variable;
  readonly q_scale: Variable;
  readonly k_scale: Variable;
  readonly attn_dropout: Dropout;
  private readonly inner: number;

  constructor(
    readonly dim: number,
    readonly options: CosineSimAttentionOptions,
  ) {
    super();
    const { dimHead, heads, numNullKv } = options;
    const seeds = new SeedSequence(options.seed ?? 1);
    this.inner = dimHead * heads;
    this.attn_dropout = this.registerModule('attn_dropout', new Dropout(options.dropout ?? 0, { seed: seeds.take() }));
    this.norm = this.registerModule('norm', new GammaLayerNorm(dim));
    this.context_norm = this.registerModule('context_norm', new GammaLayerNorm(dim));
    this.null_kv = this.registerParameter(
      'null_kv',
      tf.randomNormal([heads, 2 * numNullKv, dimHead], 0, 1, 'float32', seeds.take()),
    );
    this.registerModule('to_q', new Linear(dim, this.inner, { bias: false, seed: seeds.take() }));
    this.registerModule('to_kv', new Linear(dim, this.inner * 2, { bias: false, seed: seeds.take() }));
    this.q_scale = this.registerParameter('q_scale', tf.ones([dimHead]));
    this.k_scale = this.registerParameter('k_scale', tf.ones([dimHead]));
    this.registerModule('to_out', new Linear(this.inner, dim, { bias: false, seed: seeds.take() }));
  }

  /** x: [B, n, dim], bias: optional [heads, n, n] -> [B, n, dim] (the residual is the caller's). */
  apply(x: Tensor, bias?: Tensor): Tensor {
    const [batch, tokens, dim] = x.shape;
    if (x.rank !== 3 || batch === undefined || tokens === undefined || dim !== this.dim) {
      throw new BugError(`Attention expects [B, n, ${this.dim}], got [${x.shape.join(', ')}].`);
    }
    const { heads, dimHead, numNullKv, scale } = this.options;
    return tf.tidy(() => {
      const q = this.splitHeads(this.layer('to_q').apply(this.norm.apply(x)), batch, tokens);
      const kv = this.layer('to_kv').apply(x);
      let k = this.splitHeads(tf.slice(kv, [0, 0, 0], [-1, -1, this.inner]), batch, tokens);
      let v = this.splitHeads(tf.slice(kv, [0, 0, this.inner], [-1, -1, this.inner]), batch, tokens);
      if (numNullKv > 0) {
        const pairs = tf.reshape(this.null_kv, [heads, numNullKv, 2, dimHead]);
        const nullK = tf.reshape(tf.slice(pairs, [0, 0, 0, 0], [-1, -1, 1, -1]), [1, heads, numNullKv, dimHead]);
        const nullV = tf.reshape(tf.slice(pairs, [0, 0, 1, 0], [-1, -1, 1, -1]), [1, heads, numNullKv, dimHead]);
        k = tf.concat([tf.tile(nullK, [batch, 1, 1, 1]), k], 2);
        v = tf.concat([tf.tile(nullV, [batch, 1, 1, 1]), v], 2);
      }
      const qn = tf.mul(l2Normalize(q), this.q_scale);
      const kn = tf.mul(l2Normalize(k), this.k_scale);
      // [heads, n, nullKv + n]: the null keys get no bias.
      const paddedBias =
        bias && numNullKv > 0
          ? tf.pad(bias, [
              [0, 0],
              [0, 0],
              [numNullKv, 0],
            ])
          : bias;
      const out =
        this.attn_dropout.training && this.attn_dropout.rate > 0
          ? this.droppedAttention(qn, kn, v, paddedBias)
          : fusedAttention(qn, kn, v, { scale, bias: paddedBias }); // [B, h, n, dh]
      const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [batch, tokens, this.inner]);
      return this.layer('to_out').apply(merged);
    });
  }

  /** softmax(scale · qn knᵀ + bias) with attention dropout, then v: [B, h, n, dh]. */
  private droppedAttention(qn: Tensor, kn: Tensor, v: Tensor, bias: Tensor | undefined): Tensor {
    const [, heads = 0, tokens = 0] = qn.shape;
    const keys = kn.shape[2] ?? 0;
    let sim = tf.mul(tf.matMul(qn, kn, false, true), this.options.scale); // [B, h, n, nullKv + n]
    if (bias) sim = tf.add(sim, tf.reshape(bias, [1, heads, tokens, keys]));
    return tf.matMul(this.attn_dropout.apply(tf.softmax(sim, -1)), v);
  }

  /** [B, n, h·dh] -> [B, h, n, dh]. */
  private splitHeads(x: Tensor, batch: number, tokens: number): Tensor {
    const { heads, dimHead } = this.options;
    return tf.transpose(tf.reshape(x, [batch, tokens, heads, dimHead]), [0, 2, 1, 3]);
  }
}
