/**
 * Input checks shared by the metrics: equal lengths, finite scores, labels that are 0 or 1 (or null
 * where a missing label is allowed). A failure is a defect in the caller, so it throws BugError.
 */
import { BugError } from '../../../../shared/errors';

export function assertSameLength(what: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new BugError(`${what}: lengths differ (${a.length} and ${b.length}).`);
  }
}

export function assertFiniteScores(what: string, scores: ArrayLike<number>): void {
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new BugError(`${what}: score ${i} is not a finite number (${String(score)}).`);
    }
  }
}

/** Labels must be 0 or 1; with `allowNull`, null (a missing label) too. */
export function assertBinaryLabels(
  what: string,
  labels: ArrayLike<number | null>,
  options: { allowNull?: boolean } = {},
): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === 0 || label === 1 || (label === null && options.allowNull === true)) continue;
    throw new BugError(
      `${what}: label ${i} must be 0 or 1${options.allowNull === true ? ' or null' : ''} (got ${String(label)}).`,
    );
  }
}

/** num / den, or null where sklearn would divide by zero (zero_division=np.nan). */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}
