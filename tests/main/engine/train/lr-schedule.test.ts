import { describe, expect, it } from 'vitest';
import { learningRateAt, type LearningRateSchedule } from '../../../../src/main/engine/train/lr-schedule';

const PEAK = 1e-3;

function rates(schedule: LearningRateSchedule): number[] {
  return Array.from({ length: schedule.totalSteps }, (_, step) => learningRateAt(schedule, step));
}

describe('learningRateAt', () => {
  it('warms up linearly from near 0 and reaches the peak on the first step after warm-up', () => {
    const schedule: LearningRateSchedule = { peak: PEAK, totalSteps: 40, warmupSteps: 5, kind: 'cosine', minFactor: 0 };
    const lr = rates(schedule);
    const warmup = lr.slice(0, 5);
    expect(warmup[0]).toBeGreaterThan(0);
    for (let step = 0; step < 5; step += 1) expect(warmup[step]!).toBeLessThan(PEAK);
    // Equal increments, starting one increment above 0: linear from 0.
    const increments = warmup.slice(1).map((value, i) => value - warmup[i]!);
    for (const increment of increments) expect(increment).toBeCloseTo(warmup[0]!, 15);
    expect(lr[5]).toBeCloseTo(PEAK, 15);
    // Nothing in the run goes above the peak.
    expect(Math.max(...lr)).toBeCloseTo(PEAK, 15);
  });

  it('decays as a cosine, never rising, towards peak × minFactor one step after the last', () => {
    for (const minFactor of [0, 0.1]) {
      const schedule: LearningRateSchedule = { peak: PEAK, totalSteps: 30, warmupSteps: 3, kind: 'cosine', minFactor };
      const lr = rates(schedule);
      const decay = lr.slice(3);
      for (let i = 1; i < decay.length; i += 1) expect(decay[i]!, `step ${i + 3}`).toBeLessThanOrEqual(decay[i - 1]!);
      expect(decay[0]).toBeCloseTo(PEAK, 15);
      // The last step still learns; the floor would come one step later (Hugging Face's schedule).
      expect(lr[lr.length - 1]!).toBeGreaterThan(PEAK * minFactor);
      expect(learningRateAt(schedule, 30)).toBeCloseTo(PEAK * minFactor, 15);
      // Halfway through the decay the cosine is at the middle between peak and floor.
      const middle = 3 + (30 - 3) / 2;
      expect(learningRateAt(schedule, middle)).toBeCloseTo((PEAK + PEAK * minFactor) / 2, 15);
      // A cosine, not a straight line: a quarter of the way it is above the linear interpolation.
      const quarter = 3 + (30 - 3) / 4;
      const linear = PEAK - 0.25 * (PEAK - PEAK * minFactor);
      expect(learningRateAt(schedule, quarter)).toBeGreaterThan(linear);
    }
  });

  it('starts the cosine at the peak when there is no warm-up', () => {
    const schedule: LearningRateSchedule = { peak: PEAK, totalSteps: 10, warmupSteps: 0, kind: 'cosine', minFactor: 0 };
    const lr = rates(schedule);
    expect(lr[0]).toBeCloseTo(PEAK, 15);
    expect(lr[9]!).toBeGreaterThan(0);
    expect(lr[9]!).toBeLessThan(PEAK * 0.05);
  });

  it('stays at the peak after warm-up with the constant schedule', () => {
    const schedule: LearningRateSchedule = {
      peak: PEAK,
      totalSteps: 20,
      warmupSteps: 4,
      kind: 'constant',
      minFactor: 0.1,
    };
    const lr = rates(schedule);
    expect(lr.slice(0, 4).every((value) => value < PEAK)).toBe(true);
    expect(lr.slice(4)).toEqual(Array.from({ length: 16 }, () => PEAK));
    const noWarmup = rates({ ...schedule, warmupSteps: 0 });
    expect(noWarmup).toEqual(Array.from({ length: 20 }, () => PEAK));
  });

  it('gives a finite rate for a run of a single step', () => {
    const schedule: LearningRateSchedule = { peak: PEAK, totalSteps: 1, warmupSteps: 0, kind: 'cosine', minFactor: 0 };
    expect(learningRateAt(schedule, 0)).toBeCloseTo(PEAK, 15);
  });
});
