import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/shared/errors';
import {
  ABDOMEN_FINDINGS,
  CHEST_FINDINGS,
  DEFAULT_PREVALENCE,
  findingOf,
  PHANTOM_FINDINGS,
  planCohort,
  type PhantomStudyPlan,
  ZERO_SHOT_PROMPTS,
  zeroShotPromptPair,
} from '../../../src/main/phantoms';
import { liverSegmentAt } from '../../../src/main/phantoms/liver-segments';
import { lungLobeAt } from '../../../src/main/phantoms/lung-lobes';
import { signedDistance } from '../../../src/main/phantoms/shape-distance';

function presentNames(plan: PhantomStudyPlan): string[] {
  return plan.findings.map((f) => f.name).sort();
}

describe('planCohort', () => {
  it('is deterministic, plain data, and changes with the seed', () => {
    const options = { region: 'abdomen', count: 5, seed: 11, scanner: 'source' } as const;
    const plans = planCohort(options);
    expect(planCohort(options)).toEqual(plans);
    expect(JSON.parse(JSON.stringify(plans))).toEqual(plans);
    const other = planCohort({ ...options, seed: 12 });
    expect(other.map((p) => p.seed)).not.toEqual(plans.map((p) => p.seed));
    expect(other[0]?.anatomy).not.toEqual(plans[0]?.anatomy);
  });

  it('gives unique study and patient ids, distinct between regions and scanners', () => {
    const ids = (['abdomen', 'chest'] as const).flatMap((region) =>
      (['source', 'second'] as const).flatMap((scanner) => planCohort({ region, count: 30, seed: 3, scanner })),
    );
    expect(new Set(ids.map((p) => p.studyUid)).size).toBe(ids.length);
    expect(new Set(ids.map((p) => p.patientId)).size).toBe(ids.length);
  });

  it('labels every finding of the region, 1 exactly when the plan draws it', () => {
    for (const region of ['abdomen', 'chest'] as const) {
      const names = PHANTOM_FINDINGS[region];
      for (const plan of planCohort({ region, count: 200, seed: 5, scanner: 'source' })) {
        expect(Object.keys(plan.labels).sort()).toEqual([...names].sort());
        const labelled = Object.entries(plan.labels)
          .filter(([, value]) => value === 1)
          .map(([name]) => name)
          .sort();
        expect(labelled).toEqual(presentNames(plan));
      }
    }
  });

  it('draws each finding at close to the requested prevalence over 200 studies', () => {
    const requested = { liver_mass: 0.5, liver_cyst: 0.1, steatosis: 0.3, splenomegaly: 0.8 };
    const plans = planCohort({ region: 'abdomen', count: 200, seed: 99, scanner: 'second', prevalence: requested });
    const rate = (name: string): number => plans.filter((p) => presentNames(p).includes(name)).length / plans.length;
    for (const [name, p] of Object.entries(requested)) expect(Math.abs(rate(name) - p), name).toBeLessThan(0.08);
    expect(Math.abs(rate('ascites') - DEFAULT_PREVALENCE.ascites)).toBeLessThan(0.08);
    const chest = planCohort({ region: 'chest', count: 200, seed: 7, scanner: 'source', prevalence: { emphysema: 0 } });
    expect(chest.every((p) => p.labels.emphysema === 0)).toBe(true);
    const all = planCohort({ region: 'chest', count: 40, seed: 7, scanner: 'source', prevalence: { lung_nodule: 1 } });
    expect(all.every((p) => p.labels.lung_nodule === 1)).toBe(true);
  });

  it('samples finding sizes in their clinical ranges and places lesions inside their organ', () => {
    const abdomen = planCohort({
      region: 'abdomen',
      count: 80,
      seed: 17,
      scanner: 'source',
      prevalence: { liver_mass: 1, liver_cyst: 0.6, splenomegaly: 0.5, steatosis: 0.5 },
    });
    for (const plan of abdomen) {
      const liver = { kind: 'union' as const, of: [plan.anatomy.liver.rightLobe, plan.anatomy.liver.leftLobe] };
      const mass = findingOf(plan, 'liver_mass');
      if (!mass) throw new Error('prevalence 1 must give a mass');
      expect(mass.diameterCm).toBeGreaterThanOrEqual(1.5);
      expect(mass.diameterCm).toBeLessThanOrEqual(6);
      expect(signedDistance(liver, mass.centre)).toBeLessThan(-mass.diameterCm * 5);
      expect(liverSegmentAt(plan.anatomy.liver, mass.centre)).toBe(mass.segment);
      const cyst = findingOf(plan, 'liver_cyst');
      if (cyst) expect(signedDistance(liver, cyst.centre)).toBeLessThan(-cyst.diameterCm * 5);
      const spleen = findingOf(plan, 'splenomegaly');
      if (spleen) expect(spleen.lengthCm).toBeGreaterThan(13);
      expect(plan.anatomy.spleenLengthCm).toBeLessThan(12.5);
      const steatosis = findingOf(plan, 'steatosis');
      if (steatosis) {
        expect(steatosis.liverHu).toBeGreaterThanOrEqual(20);
        expect(steatosis.liverHu).toBeLessThanOrEqual(40);
        expect(steatosis.liverHu).toBeLessThan(plan.anatomy.hu.spleen);
      }
    }
    const chest = planCohort({
      region: 'chest',
      count: 80,
      seed: 17,
      scanner: 'source',
      prevalence: { lung_nodule: 1, cardiomegaly: 0.5 },
    });
    for (const plan of chest) {
      const nodule = findingOf(plan, 'lung_nodule');
      if (!nodule) throw new Error('prevalence 1 must give a nodule');
      expect(nodule.diameterMm).toBeGreaterThanOrEqual(6);
      expect(nodule.diameterMm).toBeLessThanOrEqual(30);
      const lung = nodule.centre[0] > 0 ? plan.anatomy.lungs.right : plan.anatomy.lungs.left;
      expect(signedDistance(lung, nodule.centre)).toBeLessThan(-nodule.diameterMm / 2);
      expect(lungLobeAt(plan.anatomy.lungs, nodule.centre)).toBe(nodule.lobe);
      const cardiomegaly = findingOf(plan, 'cardiomegaly');
      if (cardiomegaly) expect(cardiomegaly.cardiothoracicRatio).toBeGreaterThan(0.55);
      expect(plan.anatomy.cardiothoracicRatio).toBeLessThan(0.48);
    }
  });

  it('rejects options it cannot honour with a user error', () => {
    const base = { region: 'abdomen', count: 3, seed: 1, scanner: 'source' } as const;
    const invalid: Array<Record<string, unknown>> = [
      { ...base, prevalence: { lung_nodule: 0.5 } },
      { ...base, prevalence: { liver_mass: 1.5 } },
      { ...base, count: -1 },
      { ...base, count: 2.5 },
      { ...base, seed: 0.5 },
      { ...base, scanner: 'third' },
      { ...base, region: 'pelvis' },
    ];
    for (const options of invalid) {
      expect(() => planCohort(options as unknown as Parameters<typeof planCohort>[0])).toThrow(UserError);
    }
    expect(planCohort({ ...base, count: 0 })).toEqual([]);
  });

  it('names a zero-shot prompt for every finding of both regions', () => {
    for (const name of [...ABDOMEN_FINDINGS, ...CHEST_FINDINGS]) {
      expect(ZERO_SHOT_PROMPTS[name].length).toBeGreaterThan(3);
      const pair = zeroShotPromptPair(name);
      expect(pair.positive).not.toBe(pair.negative);
      expect(pair.positive.toLowerCase()).toContain(ZERO_SHOT_PROMPTS[name]);
    }
  });
});
