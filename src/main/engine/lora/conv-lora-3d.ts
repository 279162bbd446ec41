/**
 * ConvLoRA on a Conv3d, as the HCC-Merlin code (after Aleem et al. 2024) and HF PEFT define it:
 * lora_A = Conv3d(in, r, same kernel/stride/padding, no bias) with kaiming_uniform_(a=√5) —
 * bound 1/√(in·kd·kh·kw), exactly the Conv3d default — and lora_B = 1x1x1 Conv3d(r, out, no
 * bias) at zero; y = W*x + B(A(dropout(x))) · alpha/r. HCC-Merlin uses r = alpha = 2, dropout 0.
 *
 * A 1x1x1 base without padding has a fused forward: A and B are then matrices too, so the layer is
 * loraMatMul on the voxels the stride keeps. Larger kernels (3x3x3) run the layers apart (their A
 * is a full convolution, not a matmul), sharing only the padded input between base and A.
 */
import { padSpatial } from '../layers/channels-last';
import { Conv3d, subsampleSpatial } from '../layers/conv3d';
import { tf, type Tensor } from '../tf';
import { loraMatMul } from './fused/lora-matmul';
import { validateLoraHyperparameters } from './lora-hyperparameters';
import { LoraLayer, zeroWeight } from './lora-layer';
import type { LoraOptions } from './lora-linear';

export class ConvLora3d extends LoraLayer<Conv3d> {
  constructor(base: Conv3d, options: LoraOptions) {
    const { rank } = validateLoraHyperparameters(options);
    const seed = options.seed ?? 1;
    const loraA = new Conv3d(base.inChannels, rank, base.kernel, {
      stride: base.stride,
      padding: base.padding,
      bias: false,
      seed,
    });
    const loraB = zeroWeight(new Conv3d(rank, base.outChannels, 1, { bias: false, seed: seed + 1 }));
    super(base, loraA, loraB, options, seed);
  }

  protected applyFused(x: Tensor): Tensor {
    return this.baseLayer.pointwise ? this.applyPointwiseFused(x) : this.applySharingPadding(x);
  }

  /** 1x1x1: one loraMatMul on the voxels the stride keeps. */
  private applyPointwiseFused(x: Tensor): Tensor {
    const base = this.baseLayer;
    const kept = subsampleSpatial(x, base.stride);
    const [n = 1, d = 1, h = 1, w = 1] = kept.shape;
    const y = loraMatMul(tf.reshape(kept, [n * d * h * w, base.inChannels]), {
      weight: base.weightMatrix(),
      bias: base.bias,
      loraA: this.loraA.weightMatrix(),
      loraB: this.loraB.weightMatrix(),
      scaling: this.scaling,
    });
    return tf.reshape(y, [n, d, h, w, base.outChannels]);
  }

  /**
   * Larger kernels: the layers apart. Their conv kernels pad a uniform padding themselves; any other
   * padding is made once and read by both base and lora_A (saving a padding forward, 6 dispatches,
   * and its gradient, 9 slices, per layer).
   */
  private applySharingPadding(x: Tensor): Tensor {
    if (this.baseLayer.padsInKernel) {
      const base = this.baseLayer.apply(x);
      return tf.add(base, tf.mul(this.loraB.apply(this.loraA.apply(x)), this.scaling));
    }
    const padded = padSpatial(x, this.baseLayer.padding);
    const base = this.baseLayer.applyToPadded(padded);
    const update = this.loraB.apply(this.loraA.applyToPadded(padded));
    return tf.add(base, tf.mul(update, this.scaling));
  }
}
