/**
 * ConvLoRA on a Conv3d, as the HCC-Merlin code (after Aleem et al. 2024) and HF PEFT define it:
 * lora_A = Conv3d(in, r, same kernel/stride/padding, no bias) with kaiming_uniform_(a=√5) —
 * bound 1/√(in·kd·kh·kw), exactly the Conv3d default — and lora_B = 1x1x1 Conv3d(r, out, no
 * bias) at zero; y = W*x + B(A(dropout(x))) · alpha/r. HCC-Merlin uses r = alpha = 2, dropout 0.
 */
import { Conv3d } from '../layers/conv3d';
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
}
