/**
 * Liver-mass variants of phantom studies for checking localisation methods such as Grad-CAM, where
 * the point is where a model looks, not whether a tiny model can find a subtle lesion: the realistic
 * phantoms' masses differ from the liver by only 10-25 HU. A mass can be made conspicuous, and a
 * mass planned for one study can be placed into another study's anatomy (where it lands in that
 * liver it is painted; elsewhere nothing is), so one anatomy can be seen with and without a lesion.
 */
import type { AbdomenFinding, LiverMassFinding } from './abdomen-plan-types';
import type { AbdomenStudyPlan } from './study-plan';

/** 200 HU: a brightly enhancing mass, far from the liver's 30-70 HU. */
export const CONSPICUOUS_LESION_HU = 200;

export function conspicuous(mass: LiverMassFinding, hu = CONSPICUOUS_LESION_HU): LiverMassFinding {
  return { ...mass, lesionHu: hu, capsuleHu: hu, capsule: false };
}

export function withConspicuousLiverMass(plan: AbdomenStudyPlan, hu = CONSPICUOUS_LESION_HU): AbdomenStudyPlan {
  const findings = plan.findings.map((finding): AbdomenFinding =>
    finding.name === 'liver_mass' ? conspicuous(finding, hu) : finding,
  );
  return { ...plan, findings };
}

/** The same study without its liver mass (labels updated). */
export function withoutLiverMass(plan: AbdomenStudyPlan): AbdomenStudyPlan {
  return {
    ...plan,
    findings: plan.findings.filter((finding) => finding.name !== 'liver_mass'),
    labels: { ...plan.labels, liver_mass: 0 },
  };
}

/**
 * `base`'s anatomy with `mass` (from another plan) in place of any mass it had, and `seed` for the
 * scanner noise, so variants of one anatomy are not identical volumes.
 */
export function withLiverMass(base: AbdomenStudyPlan, mass: LiverMassFinding | null, seed: number): AbdomenStudyPlan {
  const others = base.findings.filter((finding) => finding.name !== 'liver_mass');
  return {
    ...base,
    seed,
    findings: mass ? [...others, mass] : others,
    labels: { ...base.labels, liver_mass: mass ? 1 : 0 },
  };
}

export function liverMassOf(plan: AbdomenStudyPlan): LiverMassFinding | null {
  return plan.findings.find((finding): finding is LiverMassFinding => finding.name === 'liver_mass') ?? null;
}
