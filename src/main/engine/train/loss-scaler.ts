/**
 * Dynamic loss scaling for mixed-precision training (Micikevicius et al., "Mixed Precision
 * Training", 2018; the defaults are PyTorch's torch.cuda.amp.GradScaler's). The loss is multiplied
 * by `scale` before the backward pass so that small gradients stay above f16's underflow inside the
 * f16 kernels, and the gradients are divided by it again before clipping and the optimizer. A step
 * whose gradients overflowed (a non-finite norm) is skipped and the scale halved; after
 * `growthInterval` finite steps in a row the scale doubles. Scales are powers of two, so scaling
 * and unscaling are exact in float32 (short of float32's own overflow).
 *
 * At `minScale` a non-finite gradient is no longer an overflow that scaling can cure: the run has
 * diverged, and the trainer stops it.
 */
import { z } from 'zod';

export const LossScalerStateSchema = z.object({
  scale: z.number().positive(),
  /** Finite steps since the scale last changed. */
  goodSteps: z.number().int().min(0),
  /** Steps skipped because their gradients overflowed, over the whole run. */
  skippedSteps: z.number().int().min(0),
});
export type LossScalerState = z.infer<typeof LossScalerStateSchema>;

export interface LossScalerOptions {
  initialScale: number;
  growthFactor: number;
  backoffFactor: number;
  /** Finite steps in a row before the scale grows. */
  growthInterval: number;
  /** Below this an overflow is divergence, not something a smaller scale cures. */
  minScale: number;
  maxScale: number;
}

export const LOSS_SCALER_DEFAULTS: Readonly<LossScalerOptions> = {
  initialScale: 2 ** 16,
  growthFactor: 2,
  backoffFactor: 0.5,
  growthInterval: 2000,
  minScale: 1,
  maxScale: 2 ** 24,
};

export class DynamicLossScaler {
  private current: LossScalerState;

  constructor(
    state: LossScalerState | null = null,
    private readonly options: LossScalerOptions = LOSS_SCALER_DEFAULTS,
  ) {
    this.current = state ? { ...state } : { scale: options.initialScale, goodSteps: 0, skippedSteps: 0 };
  }

  get scale(): number {
    return this.current.scale;
  }

  /** True when the last step overflowed at the smallest scale: its gradients are not finite at any scale. */
  get exhausted(): boolean {
    return this.overflowAtMinimum;
  }

  private overflowAtMinimum = false;

  /** Records a step: finite gradients (applied) or an overflow (skipped). */
  update(finite: boolean): void {
    const state = this.current;
    this.overflowAtMinimum = false;
    if (!finite) {
      this.overflowAtMinimum = state.scale <= this.options.minScale;
      state.scale = Math.max(this.options.minScale, state.scale * this.options.backoffFactor);
      state.goodSteps = 0;
      state.skippedSteps += 1;
      return;
    }
    state.goodSteps += 1;
    if (state.goodSteps >= this.options.growthInterval) {
      state.scale = Math.min(this.options.maxScale, state.scale * this.options.growthFactor);
      state.goodSteps = 0;
    }
  }

  state(): LossScalerState {
    return { ...this.current };
  }
}
