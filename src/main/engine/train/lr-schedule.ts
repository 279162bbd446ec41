/**
 * The learning rate at an optimizer step: linear warm-up to the peak over `warmupSteps`, then
 * constant or a half cosine that would reach `minFactor` of the peak one step after the last
 * (Hugging Face's get_cosine_schedule_with_warmup), so the last step still learns.
 */
export interface LearningRateSchedule {
  peak: number;
  totalSteps: number;
  warmupSteps: number;
  kind: 'cosine' | 'constant';
  minFactor: number;
}

/** `step` counts from 0 (the first update). */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const { peak, totalSteps, warmupSteps, kind, minFactor } = schedule;
  if (warmupSteps > 0 && step < warmupSteps) return (peak * (step + 1)) / (warmupSteps + 1);
  if (kind === 'constant') return peak;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  const floor = peak * minFactor;
  return floor + ((peak - floor) * (1 + Math.cos(Math.PI * progress))) / 2;
}
