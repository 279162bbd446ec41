/**
 * Every abdominal finding is visible where the plan says. Most checks compare a study with the
 * same study minus that finding: both renders share the noise, so their difference is the finding.
 */
import { describe, expect, it } from 'vitest';
import {
  type AbdomenStudyPlan,
  findingOf,
  planCohort,
  type RenderedPhantom,
  renderPhantom,
  renderPhantomWithTissues,
  TISSUE,
} from '../../../src/main/phantoms';
import { ellipsoidAxis, signedDistance } from '../../../src/main/phantoms/shape-distance';
import type { Volume } from '../../../src/main/volumes/volume';
import { collect, distance, mean, median, type Point, voxelOf } from './volume-probes';

function abdomenPlans(prevalence: Partial<Record<string, number>>, count = 6, seed = 71): AbdomenStudyPlan[] {
  return planCohort({ region: 'abdomen', count, seed, scanner: 'source', prevalence });
}

function without(plan: AbdomenStudyPlan, name: string): AbdomenStudyPlan {
  return { ...plan, findings: plan.findings.filter((f) => f.name !== name) };
}

/** Voxels whose centre lies between `from` and `to` mm of `centre`, or the nearest one if none does. */
function shell(volume: Volume, centre: Point, from: number, to: number): number[] {
  const inside = collect(volume, (p) => {
    const d = distance(p, centre);
    return d >= from && d < to;
  }).indices;
  if (inside.length > 0) return inside;
  const [i, j, k] = voxelOf(volume, centre);
  return [i + volume.dims[0] * (j + volume.dims[1] * k)];
}

const at = (volume: Volume, indices: readonly number[]): number[] => indices.map((n) => volume.data[n] ?? NaN);

/**
 * Voxels a lesion fills completely, together with their in-plane neighbours (which the kernel
 * blur mixes in), and that were plain liver without it: there the volume changes by exactly
 * lesion − liver, because both renders share the noise.
 */
function filledLiver(withIt: RenderedPhantom, withoutIt: RenderedPhantom, lesionHu: number, liverHu: number): number[] {
  const nx = withIt.volume.dims[0];
  const near = (a: number | undefined, b: number): boolean => a !== undefined && Math.abs(a - b) < 0.5;
  const filled: number[] = [];
  withIt.idealHu.forEach((_value, n) => {
    const block = [n, n - 1, n + 1, n - nx, n + nx];
    if (block.every((m) => near(withIt.idealHu[m], lesionHu) && near(withoutIt.idealHu[m], liverHu))) filled.push(n);
  });
  return filled;
}

describe('abdominal findings in the volume', () => {
  it('liver mass: its core differs from the liver by the designed amount, hypo-attenuating ones visibly', () => {
    for (const plan of abdomenPlans({ liver_mass: 1 })) {
      const mass = findingOf(plan, 'liver_mass');
      if (!mass) throw new Error('prevalence 1 must give a mass');
      const withIt = renderPhantomWithTissues(plan);
      const withoutIt = renderPhantomWithTissues(without(plan, 'liver_mass'));
      const liverHu = findingOf(plan, 'steatosis')?.liverHu ?? plan.anatomy.hu.liver;
      const designed = mass.lesionHu - liverHu;
      const filled = filledLiver(withIt, withoutIt, mass.lesionHu, liverHu);
      if (mass.diameterCm >= 2.5) expect(filled.length, plan.studyUid).toBeGreaterThan(0);
      if (filled.length > 0) {
        const change = mean(at(withIt.volume, filled)) - mean(at(withoutIt.volume, filled));
        expect(Math.abs(change - designed), `${plan.studyUid} change ${change}, designed ${designed}`).toBeLessThan(
          1.5,
        );
      }
      // On the volume alone: the lesion body (clear of its edge and of the necrotic core of large
      // masses) against the liver around it.
      const radius = mass.diameterCm * 5;
      const inner = shell(withIt.volume, mass.centre, radius > 20 ? radius * 0.4 + 5 : 0, Math.max(radius - 5, 2.5));
      const ring = collect(withIt.volume, (p, n) => {
        const d = distance(p, mass.centre);
        return d > radius + 6 && d < radius + 20 && withIt.tissues[n] === TISSUE.liver;
      }).values;
      const contrast = mean(at(withIt.volume, inner)) - median(ring);
      const tolerance = 8 + 30 / Math.sqrt(inner.length);
      expect(Math.abs(contrast - designed), `${plan.studyUid} contrast ${contrast}`).toBeLessThan(tolerance);
      // Washout lesions (at least 15 HU below the liver) stand out once the core is a few voxels large.
      if (mass.attenuation === 'hypo' && inner.length >= 8) expect(contrast, plan.studyUid).toBeLessThan(-8);
    }
  });

  it('liver cyst: near-water attenuation with a sharp margin, below the liver by the designed amount', () => {
    for (const plan of abdomenPlans({ liver_cyst: 1, liver_mass: 0 })) {
      const cyst = findingOf(plan, 'liver_cyst');
      if (!cyst) throw new Error('prevalence 1 must give a cyst');
      const withIt = renderPhantomWithTissues(plan);
      const withoutIt = renderPhantomWithTissues(without(plan, 'liver_cyst'));
      const liverHu = findingOf(plan, 'steatosis')?.liverHu ?? plan.anatomy.hu.liver;
      const filled = filledLiver(withIt, withoutIt, cyst.hu, liverHu);
      if (cyst.diameterCm >= 2.5) expect(filled.length, plan.studyUid).toBeGreaterThan(0);
      if (filled.length > 0) {
        const change = mean(at(withIt.volume, filled)) - mean(at(withoutIt.volume, filled));
        expect(Math.abs(change - (cyst.hu - liverHu)), plan.studyUid).toBeLessThan(1.5);
      }
      const radius = cyst.diameterCm * 5;
      const inner = shell(withIt.volume, cyst.centre, 0, Math.max(radius - 4, 2.5));
      const ring = collect(withIt.volume, (p, n) => {
        const d = distance(p, cyst.centre);
        return d > radius + 6 && d < radius + 20 && withIt.tissues[n] === TISSUE.liver;
      }).values;
      const tolerance = 8 + 30 / Math.sqrt(inner.length);
      expect(Math.abs(mean(at(withIt.volume, inner)) - cyst.hu), plan.studyUid).toBeLessThan(tolerance);
      expect(mean(at(withIt.volume, inner)), plan.studyUid).toBeLessThan(median(ring) - (liverHu - cyst.hu) / 3);
    }
  });

  it('steatosis: the liver is darker than the spleen, and brighter than it otherwise', () => {
    const plans = abdomenPlans({ steatosis: 0.5 }, 10, 72);
    expect(plans.some((p) => p.labels.steatosis === 1) && plans.some((p) => p.labels.steatosis === 0)).toBe(true);
    for (const plan of plans) {
      const { volume, tissues } = renderPhantomWithTissues(plan);
      const liver = median(collect(volume, (_p, n) => tissues[n] === TISSUE.liver).values);
      const spleen = median(collect(volume, (_p, n) => tissues[n] === TISSUE.spleen).values);
      const steatosis = findingOf(plan, 'steatosis');
      if (steatosis) {
        expect(liver, plan.studyUid).toBeLessThan(spleen - 5);
        expect(Math.abs(liver - steatosis.liverHu)).toBeLessThan(6);
      } else {
        expect(liver, plan.studyUid).toBeGreaterThan(spleen);
      }
    }
  });

  it('splenomegaly: the spleen is drawn as long as planned (over 13 cm) and holds much more volume', () => {
    for (const plan of abdomenPlans({ splenomegaly: 1 }, 4, 73)) {
      const enlarged = findingOf(plan, 'splenomegaly');
      if (!enlarged) throw new Error('prevalence 1 must give splenomegaly');
      const bigRender = renderPhantomWithTissues(plan);
      const normalRender = renderPhantomWithTissues(without(plan, 'splenomegaly'));
      const big = bigRender.volume;
      const normal = normalRender.volume;
      const spleenHu = plan.anatomy.hu.spleen;
      const bigLength = spleenLengthCm(bigRender, ellipsoidAxis(enlarged.spleen, 2));
      const normalLength = spleenLengthCm(normalRender, ellipsoidAxis(plan.anatomy.spleen, 2));
      expect(bigLength, plan.studyUid).toBeGreaterThan(13);
      expect(Math.abs(bigLength - enlarged.lengthCm), `${plan.studyUid} ${bigLength} cm`).toBeLessThan(1.5);
      expect(Math.abs(normalLength - plan.anatomy.spleenLengthCm), `${plan.studyUid} ${normalLength} cm`).toBeLessThan(
        1.5,
      );
      // Voxels at spleen attenuation on the patient's left, upper abdomen.
      const spleenLike = (v: Volume): number =>
        collect(v, (p, n) => p[0] < -20 && p[2] > -60 && Math.abs((v.data[n] ?? 0) - spleenHu) < 20).indices.length;
      const voxelCm3 = (4 * 4 * 5) / 1000;
      const ellipsoidCm3 = (r: readonly number[]): number =>
        ((4 / 3) * Math.PI * (r[0] ?? 0) * (r[1] ?? 0) * (r[2] ?? 0)) / 1000;
      const planned = ellipsoidCm3(enlarged.spleen.radii) - ellipsoidCm3(plan.anatomy.spleen.radii);
      expect(planned).toBeGreaterThan(80);
      // Noise pushes some spleen voxels out of the band and organs drawn later cover a little of it.
      expect((spleenLike(big) - spleenLike(normal)) * voxelCm3, plan.studyUid).toBeGreaterThan(0.5 * planned);
    }
  });

  it('ascites: fluid replaces intraperitoneal fat around the liver and in the pelvis', () => {
    for (const plan of abdomenPlans({ ascites: 1 }, 4, 74)) {
      const ascites = findingOf(plan, 'ascites');
      if (!ascites) throw new Error('prevalence 1 must give ascites');
      const wet = renderPhantom(plan);
      const dry = renderPhantom(without(plan, 'ascites'));
      const changed = collect(wet, (_p, n) => (wet.data[n] ?? 0) - (dry.data[n] ?? 0) > 60);
      expect(changed.indices.length * 0.08, `${plan.studyUid} fluid cm³`).toBeGreaterThan(20);
      // Where fat was fully replaced, the HU is the fluid's.
      const full = changed.indices.filter((n) => (dry.data[n] ?? 0) < -70);
      expect(Math.abs(median(at(wet, full)) - ascites.hu)).toBeLessThan(15);
      for (const site of ['perihepatic', 'pelvic'] as const) {
        const region = ascites.regions.find((r) => r.site === site);
        if (!region) throw new Error(`ascites always has a ${site} component`);
        const there = changed.points.filter((p) => signedDistance(region.shape, p) < 0);
        expect(there.length, `${plan.studyUid} ${site}`).toBeGreaterThan(5);
      }
    }
  });
});

/** Extent (cm) of the voxels drawn as spleen along the spleen's long axis. */
function spleenLengthCm(rendered: RenderedPhantom, axis: Point): number {
  const { points } = collect(rendered.volume, (_p, n) => rendered.tissues[n] === TISSUE.spleen);
  const along = points.map((p) => p[0] * axis[0] + p[1] * axis[1] + p[2] * axis[2]);
  return (Math.max(...along) - Math.min(...along)) / 10;
}
