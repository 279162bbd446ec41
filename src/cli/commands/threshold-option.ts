/** --threshold: argmax | closest | youden | a number (a fixed threshold on the score). */
import { UserError } from '../../shared/errors';

export type ThresholdOption =
  { kind: 'argmax' } | { kind: 'closest-to-corner' } | { kind: 'youden' } | { kind: 'fixed'; value: number };

export function parseThresholdOption(value: string): ThresholdOption {
  if (value === 'argmax') return { kind: 'argmax' };
  if (value === 'closest' || value === 'closest-to-corner') return { kind: 'closest-to-corner' };
  if (value === 'youden') return { kind: 'youden' };
  const number = Number(value);
  if (value.trim() !== '' && Number.isFinite(number) && number >= 0 && number <= 1)
    return { kind: 'fixed', value: number };
  throw new UserError(
    'INVALID_INPUT',
    `--threshold must be argmax, closest, youden, or a number between 0 and 1, not "${value}".`,
  );
}
