/**
 * What LoRA on a Linear and ConvLoRA on a Conv3d share: a frozen base layer plus a low-rank
 * residual y = base(x) + B(A(dropout(x))) · alpha/r, and merging that residual into the base
 * weight for inference.
 *
 * Member names follow HF PEFT inside the wrapped module, so a wrapper at `encoder.query` owns
 * `encoder.query.base_layer.weight`, `encoder.query.base_layer.bias`,
 * `encoder.query.lora_A.weight` and `encoder.query.lora_B.weight`. PEFT's in-memory names carry
 * the adapter name (`query.lora_A.default.weight`); its adapter file drops it and prefixes
 * `base_model.model.` (`base_model.model.encoder.query.lora_A.weight`). See lora-state-dict.ts
 * for the mapping to and from that file's keys.
 *
 * Merging keeps a copy of the original base weight, so unmerge() restores it bit for bit
 * instead of subtracting the update again in floating point.
 *
 * With the base frozen and no dropout active, the forward runs fused (see fusable()): the same
 * function, with gradients for the input and the factors only. merge(), unmerge() and
 * deltaWeight() are unchanged; a merged layer runs its base layer alone, as before.
 */
import { BugError } from '../../../shared/errors';
import type { Conv3d } from '../layers/conv3d';
import type { Linear } from '../layers/linear';
import { Module } from '../module';
import { tf, type Tensor } from '../tf';
import { loraFusionEnabled } from './fused/lora-fusion-switch';
import type { LoraHyperparameters } from './lora-hyperparameters';

/** A layer LoRA can wrap: Linear ([out, in] weight) or Conv3d ([out, in, kd, kh, kw] weight). */
export type LoraBase = Linear | Conv3d;

export abstract class LoraLayer<Base extends LoraBase = LoraBase> extends Module {
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  /** alpha / r. */
  readonly scaling: number;
  private originalWeight: Tensor | null = null;
  private dropoutSeed: number;
  private dropoutCalls = 0;

  protected constructor(
    readonly baseLayer: Base,
    readonly loraA: Base,
    readonly loraB: Base,
    hyperparameters: LoraHyperparameters,
    seed: number,
  ) {
    super();
    this.rank = hyperparameters.rank;
    this.alpha = hyperparameters.alpha;
    this.dropout = hyperparameters.dropout;
    this.scaling = hyperparameters.alpha / hyperparameters.rank;
    this.dropoutSeed = seed;
    this.registerModule('base_layer', baseLayer);
    this.registerModule('lora_A', loraA);
    this.registerModule('lora_B', loraB);
    if (baseLayer.training) this.train(true);
  }

  /** True while the update is folded into the base weight (and the forward skips the LoRA path). */
  get merged(): boolean {
    return this.originalWeight !== null;
  }

  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      if (!this.merged && this.fusable()) {
        const fused = this.applyFused(x);
        if (fused) return fused;
      }
      const base = this.baseLayer.apply(x);
      if (this.merged) return base;
      const input = this.training && this.dropout > 0 ? tf.dropout(x, this.dropout, undefined, this.nextSeed()) : x;
      const update = this.loraB.apply(this.loraA.apply(input));
      return tf.add(base, tf.mul(update, this.scaling));
    });
  }

  /**
   * Whether the forward may take applyFused (the fused matmul of lora/fused for Linear and 1x1x1
   * ConvLoRA, a shared padding for larger kernels): no dropout mask to apply (dropout 0, or not
   * training) and a frozen base weight and bias, whose gradients the fused op does not compute.
   * A trainable base runs the separate layers; so does everything while fusion is switched off.
   */
  private fusable(): boolean {
    if (!loraFusionEnabled() || (this.training && this.dropout > 0)) return false;
    return !this.baseLayer.weight.trainable && !(this.baseLayer.bias?.trainable ?? false);
  }

  /** The fused forward for this layer's shapes, or null where it has none (the layers then run apart). */
  protected abstract applyFused(x: Tensor): Tensor | null;

  /**
   * ΔW = scaling · B·A in the base weight's layout. For ConvLoRA, B is a 1x1x1 conv after A, and
   * that composition is one conv with A's kernel, stride and padding whose weight is
   * einsum('or,ri...->oi...', B, A): the same matrix product over the flattened kernel.
   */
  deltaWeight(): Tensor {
    return tf.tidy(() => {
      const out = this.baseLayer.weight.shape[0] ?? 0;
      const b = tf.reshape(this.loraB.weight, [out, this.rank]);
      const a = tf.reshape(this.loraA.weight, [this.rank, -1]);
      return tf.reshape(tf.mul(tf.matMul(b, a), this.scaling), this.baseLayer.weight.shape);
    });
  }

  /** Fold the update into the base weight. Merging a merged layer does nothing. */
  merge(): void {
    if (this.merged) return;
    const weight = this.baseLayer.weight;
    const original = tf.keep(tf.clone(weight));
    const merged = tf.tidy(() => {
      const delta = this.deltaWeight();
      return tf.add(weight, delta);
    });
    weight.assign(merged);
    merged.dispose();
    this.originalWeight = original;
  }

  /** Put the original base weight back, bit for bit. Unmerging an unmerged layer does nothing. */
  unmerge(): void {
    const original = this.originalWeight;
    if (!original) return;
    this.baseLayer.weight.assign(original);
    original.dispose();
    this.originalWeight = null;
  }

  /** The base weight with the update folded in, as a new tensor; the layer is not changed. */
  mergedWeight(): Tensor {
    if (this.merged) return tf.clone(this.baseLayer.weight);
    return tf.tidy(() => tf.add(this.baseLayer.weight, this.deltaWeight()));
  }

  override dispose(): void {
    this.originalWeight?.dispose();
    this.originalWeight = null;
    super.dispose();
  }

  /** Where the dropout mask sequence stands: `reseed(maskPosition)` continues it with the same masks. */
  get maskPosition(): number {
    return this.dropoutSeed + this.dropoutCalls;
  }

  /** Start the dropout mask sequence again from `seed` (see Dropout.reseed). */
  reseed(seed: number): void {
    this.dropoutSeed = seed;
    this.dropoutCalls = 0;
  }

  private nextSeed(): number {
    this.dropoutCalls += 1;
    return this.dropoutSeed + this.dropoutCalls;
  }
}

/** Narrows to LoraLayer with its default type argument (instanceof alone gives LoraLayer<any>). */
export function isLoraLayer(module: Module | undefined): module is LoraLayer {
  return module instanceof LoraLayer;
}

/** Zero a freshly built factor in place (LoRA's B starts at zero so the wrapper starts as the base). */
export function zeroWeight<L extends LoraBase>(layer: L): L {
  if (layer.bias) throw new BugError('LoRA factors have no bias.');
  const zeros = tf.zerosLike(layer.weight);
  layer.weight.assign(zeros);
  zeros.dispose();
  return layer;
}
