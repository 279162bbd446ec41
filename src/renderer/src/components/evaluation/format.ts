/** Number formatting shared by the evaluation components: every metric is shown with its CI. */
import type { ConfidenceInterval } from '@shared/api/metrics-schemas';

export const UNDEFINED_TITLE = 'undefined: no positive (or no negative) study';

/** A number with `digits` decimals; null (undefined metric) as "—", +Infinity as "∞". */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (value === Number.POSITIVE_INFINITY) return '∞';
  return value.toFixed(digits);
}

/** "0.812 [0.61, 0.97]"; "—" when the estimate is undefined. */
export function formatCi(ci: ConfidenceInterval): string {
  if (ci.estimate === null) return '—';
  if (ci.lower === null || ci.upper === null) return formatNumber(ci.estimate);
  return `${formatNumber(ci.estimate)} [${formatNumber(ci.lower, 2)}, ${formatNumber(ci.upper, 2)}]`;
}

/** The tooltip of a CI cell: what the interval is, or why the metric is undefined. */
export function ciTitle(ci: ConfidenceInterval): string {
  if (ci.estimate === null) return UNDEFINED_TITLE;
  const level = Math.round(ci.level * 100);
  if (ci.lower === null || ci.upper === null) {
    return `no ${level}% interval: the metric was defined in ${ci.validResamples} of ${ci.resamples} bootstrap resamples`;
  }
  return `${level}% bootstrap CI, defined in ${ci.validResamples} of ${ci.resamples} resamples`;
}
