/**
 * How long a running training run still needs: the remaining optimizer steps (the job's progress
 * counts steps over all epochs) times the measured seconds per step of the epochs done, which
 * include their validation and checkpoints. Before the first epoch ends, the job's own ETA (from
 * its step rate) is all there is.
 */
export interface EtaEpoch {
  /** The optimizer steps done when the epoch ended (cumulative). */
  steps: number;
  /** How long the epoch took, validation and checkpoints included. */
  seconds: number;
}

export interface EtaProgress {
  /** Steps done and planned over the whole run. */
  done: number;
  total: number;
  /** The job's ETA from its step rate so far; null until it has one. */
  etaSeconds: number | null;
}

/** Seconds left, or null when it cannot be told (nothing done yet, or nothing measured). */
export function runEtaSeconds(epochs: readonly EtaEpoch[], progress: EtaProgress): number | null {
  const remainingSteps = Math.max(0, progress.total - progress.done);
  if (remainingSteps === 0) return progress.total > 0 ? 0 : null;
  // Each epoch's own steps: its cumulative count less the previous epoch's.
  let steps = 0;
  let seconds = 0;
  let previous = 0;
  for (const epoch of epochs) {
    const own = epoch.steps - previous;
    previous = epoch.steps;
    if (own > 0 && Number.isFinite(epoch.seconds) && epoch.seconds > 0) {
      steps += own;
      seconds += epoch.seconds;
    }
  }
  if (steps === 0) return progress.etaSeconds;
  return (remainingSteps * seconds) / steps;
}
