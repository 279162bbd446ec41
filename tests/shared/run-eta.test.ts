import { describe, expect, it } from 'vitest';
import { runEtaSeconds } from '../../src/shared/run-eta';

describe("a running run's ETA", () => {
  it('is the remaining steps at the measured seconds per step of the epochs done', () => {
    // 3 epochs of 10 steps: two done in 30 s and 50 s (80 s / 20 steps = 4 s a step), 5 steps into the third.
    const epochs = [
      { steps: 10, seconds: 30 },
      { steps: 20, seconds: 50 },
    ];
    expect(runEtaSeconds(epochs, { done: 25, total: 30, etaSeconds: 99 })).toBe(20);
    expect(runEtaSeconds(epochs, { done: 20, total: 30, etaSeconds: null })).toBe(40);
  });

  it("falls back to the job's own estimate before an epoch has ended, and says nothing without one", () => {
    expect(runEtaSeconds([], { done: 3, total: 30, etaSeconds: 54 })).toBe(54);
    expect(runEtaSeconds([], { done: 0, total: 30, etaSeconds: null })).toBeNull();
    expect(runEtaSeconds([{ steps: 10, seconds: 0 }], { done: 12, total: 30, etaSeconds: 7 })).toBe(7);
  });

  it('weighs epochs by their steps (the last epoch may be shorter) and is 0 once every step is done', () => {
    // 10 + 10 + 5 steps in 40 + 40 + 20 s: 4 s a step whatever the epoch's length.
    const epochs = [
      { steps: 10, seconds: 40 },
      { steps: 20, seconds: 40 },
      { steps: 25, seconds: 20 },
    ];
    expect(runEtaSeconds(epochs, { done: 25, total: 40, etaSeconds: null })).toBe(60);
    expect(runEtaSeconds(epochs, { done: 40, total: 40, etaSeconds: null })).toBe(0);
  });
});
