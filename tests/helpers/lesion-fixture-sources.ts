/**
 * Where the lesion-model fixture's training data comes from (tools/build-lesion-model-fixture.ts)
 * and which masses it never saw: a few anatomies without a liver mass, and the masses planned for
 * other studies of the same cohort. Tests use the last HELD_OUT masses.
 */
import { liverMassOf, planCohort, type AbdomenStudyPlan } from '../../src/main/phantoms';
import type { LiverMassFinding } from '../../src/main/phantoms/abdomen-plan-types';

export const LESION_FIXTURE_BASES = 1;
/** The last masses, never used for training. */
export const HELD_OUT_MASSES = 8;

export function lesionFixtureSources(): { bases: AbdomenStudyPlan[]; masses: LiverMassFinding[] } {
  const cohort = planCohort({ region: 'abdomen', count: 320, seed: 1234, scanner: 'source' });
  const bases = cohort.filter((plan) => liverMassOf(plan) === null).slice(0, LESION_FIXTURE_BASES);
  const masses = cohort.flatMap((plan) => {
    const mass = liverMassOf(plan);
    return mass ? [mass] : [];
  });
  return { bases, masses };
}
