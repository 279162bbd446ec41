/**
 * Every chest finding is visible where the plan says. Most checks compare a study with the same
 * study minus that finding: both renders share the noise, so their difference is the finding.
 */
import { describe, expect, it } from 'vitest';
import {
  type ChestStudyPlan,
  findingOf,
  planCohort,
  renderPhantomWithTissues,
  TISSUE,
} from '../../../src/main/phantoms';
import { effusionLevelAt } from '../../../src/main/phantoms/pleural-effusion-geometry';
import type { Volume } from '../../../src/main/volumes/volume';
import { collect, distance, mean, median, valueAt, voxelOf } from './volume-probes';

function chestPlans(prevalence: Partial<Record<string, number>>, count = 6, seed = 81): ChestStudyPlan[] {
  return planCohort({ region: 'chest', count, seed, scanner: 'source', prevalence });
}

function without(plan: ChestStudyPlan, name: string): ChestStudyPlan {
  return { ...plan, findings: plan.findings.filter((f) => f.name !== name) };
}

describe('chest findings in the volume', () => {
  it('lung nodule: solid attenuation where the plan puts it, in aerated lung', () => {
    for (const plan of chestPlans({ lung_nodule: 1 }, 8)) {
      const nodule = findingOf(plan, 'lung_nodule');
      if (!nodule) throw new Error('prevalence 1 must give a nodule');
      const { volume } = renderPhantomWithTissues(plan);
      const radius = nodule.diameterMm / 2;
      const within = collect(volume, (p) => distance(p, nodule.centre) < radius + 3).values;
      const around = collect(volume, (p) => {
        const d = distance(p, nodule.centre);
        return d > radius + 8 && d < radius + 20;
      }).values;
      expect(Math.max(...within), `${plan.studyUid} ${nodule.diameterMm} mm`).toBeGreaterThan(-600);
      expect(median(around), plan.studyUid).toBeLessThan(-700);
      if (nodule.diameterMm >= 12) {
        const [i, j, k] = voxelOf(volume, nodule.centre);
        expect(valueAt(volume, i, j, k), plan.studyUid).toBeGreaterThan(-150);
      }
    }
  });

  it('pleural effusion: fluid fills the dependent (posterior) lung below the level, nothing changes above it', () => {
    for (const plan of chestPlans({ pleural_effusion: 1 }, 5, 82)) {
      const effusion = findingOf(plan, 'pleural_effusion');
      if (!effusion) throw new Error('prevalence 1 must give an effusion');
      const wet = renderPhantomWithTissues(plan).volume;
      const dry = renderPhantomWithTissues(without(plan, 'pleural_effusion'));
      for (const side of ['right', 'left'] as const) {
        const affected = effusion.levelY[side] !== null;
        const onSide = (x: number): boolean => (side === 'right' ? x > 0 : x < 0);
        const lung = collect(dry.volume, (p, n) => onSide(p[0]) && dry.tissues[n] === TISSUE.lung);
        const levelOf = (m: number): number | null => effusionLevelAt(effusion, side, lung.points[m]?.[2] ?? 0);
        const belowRows = lung.points.flatMap((p, m) => {
          const level = levelOf(m);
          return level !== null && p[1] < level - 6 ? [m] : [];
        });
        const below = belowRows.map((m) => lung.indices[m] ?? -1);
        const above = lung.points.flatMap((p, m) => {
          const level = levelOf(m);
          return level === null || p[1] > level + 10 ? [lung.indices[m] ?? -1] : [];
        });
        if (affected) {
          expect(below.length * 0.08, `${plan.studyUid} ${side} fluid cm³`).toBeGreaterThan(5);
          // Median: voxels next to a rib pick up some bone through the kernel blur.
          expect(Math.abs(median(below.map((n) => wet.data[n] ?? NaN)) - effusion.hu)).toBeLessThan(8);
          const fluidY = mean(belowRows.map((m) => lung.points[m]?.[1] ?? NaN));
          expect(fluidY).toBeLessThan(mean(lung.points.map((p) => p[1])));
        }
        expect(
          above.every((n) => wet.data[n] === dry.volume.data[n]),
          `${plan.studyUid} ${side} above level`,
        ).toBe(true);
      }
    }
  });

  it('cardiomegaly: the cardiothoracic ratio measured on the volume is over 0.5, under it otherwise', () => {
    const plans = chestPlans({ cardiomegaly: 0.5 }, 10, 83);
    expect(plans.some((p) => p.labels.cardiomegaly === 1) && plans.some((p) => p.labels.cardiomegaly === 0)).toBe(true);
    for (const plan of plans) {
      const { volume } = renderPhantomWithTissues(plan);
      const cardiomegaly = findingOf(plan, 'cardiomegaly');
      const heart = cardiomegaly?.heart ?? plan.anatomy.heart;
      const planned = cardiomegaly?.cardiothoracicRatio ?? plan.anatomy.cardiothoracicRatio;
      const measured = cardiothoracicRatio(volume, heart.centre[2], heart.centre[0]);
      expect(Math.abs(measured - planned), `${plan.studyUid} measured ${measured}, planned ${planned}`).toBeLessThan(
        0.05,
      );
      if (cardiomegaly) expect(measured).toBeGreaterThan(0.5);
      else expect(measured).toBeLessThan(0.5);
    }
  });

  it('emphysema: more of the lung falls below −930 HU, increasingly with severity', () => {
    const gains: Record<string, number[]> = { mild: [], moderate: [], severe: [] };
    for (const plan of chestPlans({ emphysema: 1 }, 8, 84)) {
      const emphysema = findingOf(plan, 'emphysema');
      if (!emphysema) throw new Error('prevalence 1 must give emphysema');
      const sick = renderPhantomWithTissues(plan).volume;
      const healthy = renderPhantomWithTissues(without(plan, 'emphysema'));
      const lung: number[] = [];
      healthy.tissues.forEach((tissue, n) => {
        if (tissue === TISSUE.lung) lung.push(n);
      });
      const lowFraction = (v: Volume): number => lung.filter((n) => (v.data[n] ?? 0) < -930).length / lung.length;
      expect(lowFraction(healthy.volume), plan.studyUid).toBeLessThan(0.01);
      gains[emphysema.severity]?.push(lowFraction(sick) - lowFraction(healthy.volume));
    }
    for (const gain of gains.mild ?? []) expect(gain).toBeGreaterThan(0.008);
    for (const gain of gains.moderate ?? []) expect(gain).toBeGreaterThan(0.03);
    for (const gain of gains.severe ?? []) expect(gain).toBeGreaterThan(0.12);
    expect(Object.values(gains).flat().length).toBe(8);
  });
});

/**
 * Cardiothoracic ratio on the axial slice at z: widest run of non-aerated tissue through the
 * heart that has lung on both sides, over the widest lung-to-lung width of the same slice.
 */
function cardiothoracicRatio(volume: Volume, z: number, heartX: number): number {
  const [nx, ny] = volume.dims;
  const [ic, , k] = voxelOf(volume, [heartX, 0, z]);
  const spacing = volume.affine[0] ?? 1;
  const aerated = (i: number, j: number): boolean => valueAt(volume, i, j, k) < -500;
  /** Is there non-aerated tissue somewhere beyond i in direction `step` (so the air at i is lung)? */
  const bodyBeyond = (i: number, j: number, step: number): boolean => {
    for (let x = i; x >= 0 && x < nx; x += step) if (!aerated(x, j)) return true;
    return false;
  };
  let heart = 0;
  let thorax = 0;
  for (let j = 0; j < ny; j += 1) {
    const lungs: number[] = [];
    for (let i = 0; i < nx; i += 1) if (aerated(i, j) && bodyBeyond(i, j, 1) && bodyBeyond(i, j, -1)) lungs.push(i);
    if (lungs.length > 0) thorax = Math.max(thorax, (Math.max(...lungs) - Math.min(...lungs) + 1) * spacing);
    if (aerated(ic, j)) continue;
    let left = ic;
    let right = ic;
    while (left > 0 && !aerated(left - 1, j)) left -= 1;
    while (right < nx - 1 && !aerated(right + 1, j)) right += 1;
    const lungOnBothSides = left > 0 && right < nx - 1 && bodyBeyond(left - 1, j, -1) && bodyBeyond(right + 1, j, 1);
    if (lungOnBothSides) heart = Math.max(heart, (right - left + 1) * spacing);
  }
  return heart / thorax;
}
