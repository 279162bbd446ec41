/** The demo cohort plan: which synthetic studies exist, their findings, split and labels. */
import { SeededRandom } from '../../shared/seeded-random';
import type { PhantomFindings } from './demo-phantom';

export const DEMO_DATASET_NAME = 'demo-abdomen';
export const DEMO_DATASET_SOURCE = 'Synthetic abdominal phantoms (placeholder demo cohort)';
export const DEMO_STUDY_COUNT = 24;
export const DEMO_SEED = 42;

export interface DemoStudyPlan {
  studyUid: string;
  patientId: string;
  seed: number;
  split: 'train' | 'val' | 'test';
  findings: PhantomFindings;
  /** Evaluation-only labels (never used for training). */
  labels: Record<string, number>;
}

export function planDemoCohort(count = DEMO_STUDY_COUNT, seed = DEMO_SEED): DemoStudyPlan[] {
  const random = new SeededRandom(seed);
  const plans: DemoStudyPlan[] = [];
  for (let index = 0; index < count; index += 1) {
    const findings: PhantomFindings = {
      liverMass: index % 2 === 0,
      liverCyst: random.next() < 0.25,
      splenomegaly: random.next() < 0.3,
      ascites: random.next() < 0.25,
    };
    const number = String(index + 1).padStart(3, '0');
    const trainEnd = Math.round(count * 0.6);
    const valEnd = Math.round(count * 0.8);
    plans.push({
      studyUid: `demo-${number}`,
      patientId: `P${number}`,
      seed: seed * 1000 + index,
      split: index < trainEnd ? 'train' : index < valEnd ? 'val' : 'test',
      findings,
      labels: {
        liver_mass: Number(findings.liverMass),
        liver_cyst: Number(findings.liverCyst),
        splenomegaly: Number(findings.splenomegaly),
        ascites: Number(findings.ascites),
      },
    });
  }
  return plans;
}
