/**
 * LoRA on a Linear (Hu et al. 2021, as HF PEFT implements it): lora_A = Linear(in, r, no bias)
 * with kaiming_uniform_(a=√5) — bound 1/√in, exactly the Linear default — and lora_B =
 * Linear(r, out, no bias) at zero; y = base(x) + B(A(dropout(x))) · alpha/r. Its fused forward
 * is loraMatMul on x flattened to [rows, in].
 */
import { Linear } from '../layers/linear';
import { tf, type Tensor } from '../tf';
import { loraMatMul } from './fused/lora-matmul';
import { validateLoraHyperparameters, type LoraHyperparameters } from './lora-hyperparameters';
import { LoraLayer, zeroWeight } from './lora-layer';

export interface LoraOptions extends LoraHyperparameters {
  /** Seed for lora_A's initialisation and the dropout masks. */
  seed?: number;
}

export class LoraLinear extends LoraLayer<Linear> {
  constructor(base: Linear, options: LoraOptions) {
    const { rank } = validateLoraHyperparameters(options);
    const seed = options.seed ?? 1;
    const loraA = new Linear(base.inFeatures, rank, { bias: false, seed });
    const loraB = zeroWeight(new Linear(rank, base.outFeatures, { bias: false, seed: seed + 1 }));
    super(base, loraA, loraB, options, seed);
  }

  protected applyFused(x: Tensor): Tensor {
    const base = this.baseLayer;
    const rows = tf.reshape(x, [-1, base.inFeatures]);
    const y = loraMatMul(rows, {
      weight: base.weight,
      bias: base.bias,
      loraA: this.loraA.weight,
      loraB: this.loraB.weight,
      scaling: this.scaling,
    });
    return tf.reshape(y, [...x.shape.slice(0, -1), base.outFeatures]);
  }
}
