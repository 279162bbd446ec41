/**
 * How an epoch's arithmetic precision reads in the run's epoch table (CLI and window): 'float32',
 * or with mixed precision which kernels ran in f16, the loss scale at the epoch's end, and the
 * steps skipped because their scaled gradients overflowed.
 */
export interface EpochPrecision {
  precision: 'float32' | 'mixed-f16' | null;
  lossScale: number | null;
  skippedSteps: number;
}

export function describeEpochPrecision(epoch: EpochPrecision): string {
  if (epoch.lossScale === null) return epoch.precision ?? '—';
  const arithmetic = epoch.precision === 'mixed-f16' ? 'f16' : 'fp32';
  const skipped = epoch.skippedSteps > 0 ? `, ${epoch.skippedSteps} skipped` : '';
  return `${arithmetic} ×${epoch.lossScale}${skipped}`;
}
