/**
 * The `ctvlm demo` cohorts, as data: a "source" hospital whose (volume, report) pairs the shipped
 * demo model (resources/demo-model/, built by tools/build-demo-model.ts) was pretrained on, and
 * the "second scanner" (site B) the demo adapts it to without labels.
 *
 * The site shift. Both sites image abdomens with a conspicuous HCC-like liver mass in half the
 * studies, but in another contrast phase and on another scanner:
 * - source: late-arterial phase; the mass is hyper-enhancing (+200 HU, far above the 50–70 HU
 *   liver). Calibrated scanner, soft kernel, American structured reports.
 * - site B: portal-venous phase; the mass has washed out and is hypodense (60 HU below the liver),
 *   with the second scanner's own shift (+30 HU calibration offset, twice the noise with a sharp
 *   kernel, another voxel spacing) and British terse reports.
 * A model that learned "a bright blob in the liver is a mass" reads site B's dark masses as "no
 * mass": its zero-shot prompt pair fails there. Site B's reports still say there is a lesion, in
 * words the source reports share ("lesion", "hypoattenuating", "HCC"), so contrastive training on
 * site B's own pairs teaches the image tower what a site B mass looks like, without a label.
 *
 * What keeps a ~100k-parameter model on 2 CPU cores able to learn the mass in minutes: each site
 * images a few synthetic patients (DEMO_ANATOMIES) again and again, each time with or without one
 * of many masses, and no other finding; a mass is at least MIN_MASS_DIAMETER_CM across and always
 * inside the liver. The anatomy then says nothing about the report, and the mass is the only thing
 * an image and its report have in common beyond the patient. (With many anatomies and other
 * findings, a model this small memorises anatomies instead; real models and cohorts do not need
 * this.) Test studies carry masses never used for training.
 *
 * Deterministic: the same site and count give the same plans and rendered volumes.
 */
import {
  conspicuous,
  liverMassOf,
  planCohort,
  renderPhantomWithTissues,
  TISSUE,
  withLiverMass,
  type AbdomenStudyPlan,
  type ScannerName,
} from '../phantoms';
import type { LiverMassFinding } from '../phantoms/abdomen-plan-types';
import type { Preset } from '../volumes/preset-schema';
import { TINY_PRESET } from '../volumes/presets';

export type DemoSite = ScannerName;

/** The zero-shot task the demo evaluates before and after adaptation ("Liver mass is (not) present."). */
export const DEMO_TASK = 'phantom-liver-mass';
export const DEMO_MODEL_ID = 'ctvlm-tiny-demo';

/**
 * The demo model's preprocessing: the whole phantom field of view (384 x 384 x 320 mm) at 6 x 6 x
 * 10 mm in 64 x 64 x 32 voxels (as the tiny preset), with an abdominal soft-tissue window so the
 * liver, a washed-out mass and an enhancing one are all far apart in [0, 1].
 */
export const DEMO_PRESET: Preset = {
  ...TINY_PRESET,
  name: 'demo-soft-tissue',
  description: 'CT-VLM demo: 6x6x10 mm, abdominal soft-tissue window HU [-160,240] to [0,1], 64x64x32.',
  intensity: { ...TINY_PRESET.intensity, huWindow: [-160, 240] },
};

export interface DemoCohortSpec {
  count: number;
  seed: number;
}

/**
 * Cohort sizes and seeds. Source: the pretraining cohort of tools/build-demo-model.ts (its last
 * DEMO_SOURCE_HELD_OUT studies are held out). Site B: what `ctvlm demo` renders and imports; its
 * last DEMO_SITE_B_TEST studies are the held-out test studies, the rest the adaptation's pairs.
 */
export const DEMO_COHORTS: Record<DemoSite, DemoCohortSpec> = {
  source: { count: 240, seed: 2024 },
  second: { count: 200, seed: 42 },
};
export const DEMO_SOURCE_HELD_OUT = 40;
export const DEMO_SITE_B_TEST = 60;
/** Synthetic patients per site, each imaged many times. */
export const DEMO_ANATOMIES = 2;
/** Masses smaller than this (cm) are not used: at 6 mm voxels they would be a voxel or two. */
export const MIN_MASS_DIAMETER_CM = 2.5;
/** Site B's washed-out mass: this many HU below the liver it sits in. */
export const SITE_B_WASHOUT_HU = 60;
/** Source's enhancing mass (HU). */
export const SOURCE_MASS_HU = 200;

/** The mass attenuation each site images (HU, before the scanner's calibration offset). */
export function demoMassHu(site: DemoSite, liverHu: number): number {
  return site === 'source' ? SOURCE_MASS_HU : Math.round(liverHu - SITE_B_WASHOUT_HU);
}

/**
 * `count` studies of one site: DEMO_ANATOMIES patients in turn, even-numbered studies with a mass
 * (the next of the site's planned masses that lands inside that liver), odd ones without.
 */
export function planDemoCohort(site: DemoSite, options: Partial<DemoCohortSpec> = {}): AbdomenStudyPlan[] {
  const { count, seed } = { ...DEMO_COHORTS[site], ...options };
  const planned = planCohort({
    region: 'abdomen',
    count: count * 3 + 64,
    seed,
    scanner: site,
    prevalence: { liver_mass: 0.7, liver_cyst: 0, steatosis: 0, splenomegaly: 0, ascites: 0 },
  });
  const anatomies = planned.filter((plan) => liverMassOf(plan) === null).slice(0, DEMO_ANATOMIES);
  const masses: LiverMassFinding[] = planned.flatMap((plan) => {
    const mass = liverMassOf(plan);
    return mass && mass.diameterCm >= MIN_MASS_DIAMETER_CM ? [mass] : [];
  });
  const code = site === 'source' ? 'src' : 'sec';
  const plans: AbdomenStudyPlan[] = [];
  let next = 0;
  while (plans.length < count) {
    const anatomy = anatomies[plans.length % anatomies.length]!;
    const number = String(plans.length + 1).padStart(4, '0');
    const ids = { studyUid: `abd-${code}-${seed}-${number}`, patientId: `${code.toUpperCase()}${seed}-S${number}` };
    const noiseSeed = seed * 10_000 + plans.length;
    if (plans.length % 2 === 1) {
      plans.push({ ...withLiverMass(anatomy, null, noiseSeed), ...ids });
      continue;
    }
    for (;;) {
      const mass = masses[next % masses.length]!;
      next += 1;
      const shown = conspicuous(mass, demoMassHu(site, anatomy.anatomy.hu.liver));
      const plan = withLiverMass(anatomy, site === 'source' ? shown : { ...shown, attenuation: 'hypo' }, noiseSeed);
      if (renderPhantomWithTissues(plan).tissues.includes(TISSUE.liverMass)) {
        plans.push({ ...plan, ...ids });
        break;
      }
    }
  }
  return plans;
}

/** Site B's split: the adaptation's pairs (labels never used) and the held-out test studies. */
export function splitSiteB(
  plans: readonly AbdomenStudyPlan[],
  test = DEMO_SITE_B_TEST,
): {
  train: AbdomenStudyPlan[];
  test: AbdomenStudyPlan[];
} {
  return { train: plans.slice(0, plans.length - test), test: plans.slice(plans.length - test) };
}
