/**
 * Dynamic loss scaling (PyTorch GradScaler's rule and defaults): an overflow halves the scale and
 * counts a skipped step; `growthInterval` finite steps in a row double it (up to the maximum); an
 * overflow at the smallest scale is divergence; the state survives a resume.
 */
import { describe, expect, it } from 'vitest';
import {
  DynamicLossScaler,
  LOSS_SCALER_DEFAULTS,
  LossScalerStateSchema,
} from '../../../../src/main/engine/train/loss-scaler';

const SMALL = { ...LOSS_SCALER_DEFAULTS, initialScale: 8, growthInterval: 3, minScale: 1, maxScale: 32 };

describe('DynamicLossScaler', () => {
  it("starts at PyTorch's 2^16", () => {
    expect(new DynamicLossScaler().scale).toBe(65536);
  });

  it('halves on overflow, counting the skipped step, and doubles after growthInterval finite steps', () => {
    const scaler = new DynamicLossScaler(null, SMALL);
    scaler.update(false);
    expect(scaler.state()).toEqual({ scale: 4, goodSteps: 0, skippedSteps: 1 });
    scaler.update(true);
    scaler.update(true);
    expect(scaler.scale).toBe(4);
    scaler.update(true);
    expect(scaler.state()).toEqual({ scale: 8, goodSteps: 0, skippedSteps: 1 });
    // An overflow resets the run of good steps.
    scaler.update(true);
    scaler.update(false);
    scaler.update(true);
    scaler.update(true);
    expect(scaler.state()).toEqual({ scale: 4, goodSteps: 2, skippedSteps: 2 });
  });

  it('never grows past maxScale', () => {
    const scaler = new DynamicLossScaler({ scale: 32, goodSteps: 0, skippedSteps: 0 }, SMALL);
    for (let i = 0; i < 6; i += 1) scaler.update(true);
    expect(scaler.scale).toBe(32);
  });

  it('is exhausted only by an overflow at the smallest scale', () => {
    const scaler = new DynamicLossScaler({ scale: 2, goodSteps: 0, skippedSteps: 0 }, SMALL);
    scaler.update(false);
    expect(scaler.scale).toBe(1);
    expect(scaler.exhausted).toBe(false);
    scaler.update(false);
    expect(scaler.scale).toBe(1);
    expect(scaler.exhausted).toBe(true);
    scaler.update(true);
    expect(scaler.exhausted).toBe(false);
  });

  it('continues from a saved state', () => {
    const first = new DynamicLossScaler(null, SMALL);
    first.update(false);
    first.update(true);
    const saved = LossScalerStateSchema.parse(JSON.parse(JSON.stringify(first.state())));
    const resumed = new DynamicLossScaler(saved, SMALL);
    resumed.update(true);
    resumed.update(true);
    expect(resumed.state()).toEqual({ scale: 8, goodSteps: 0, skippedSteps: 1 });
  });
});
