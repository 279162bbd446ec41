/**
 * A seeded, patient-level 60/20/20 split: every study of a patient lands in the same split,
 * so no patient is seen in training and evaluated in test.
 */
import { SeededRandom } from '../../shared/seeded-random';
import type { Split } from './manifest';

export const DEFAULT_SPLIT_FRACTIONS = { train: 0.6, val: 0.2, test: 0.2 } as const;

export function splitPatients(patientIds: readonly string[], seed: number): Map<string, Split> {
  const unique = [...new Set(patientIds)].sort();
  const random = new SeededRandom(seed);
  for (let i = unique.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i + 1);
    [unique[i], unique[j]] = [unique[j] ?? '', unique[i] ?? ''];
  }
  const trainEnd = Math.round(unique.length * DEFAULT_SPLIT_FRACTIONS.train);
  const valEnd = Math.round(unique.length * (DEFAULT_SPLIT_FRACTIONS.train + DEFAULT_SPLIT_FRACTIONS.val));
  const result = new Map<string, Split>();
  unique.forEach((patient, index) => result.set(patient, index < trainEnd ? 'train' : index < valEnd ? 'val' : 'test'));
  return result;
}
