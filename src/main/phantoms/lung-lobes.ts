/**
 * Simplified lobar anatomy of the phantom lungs, so that "right upper lobe" in a report names
 * where the nodule is. In each lung's normalised frame (ny: −1 posterior … +1 anterior,
 * nz: −1 inferior … +1 superior) the oblique fissure runs from posterior-superior to
 * anterior-inferior; on the right the horizontal fissure splits upper from middle lobe; on the
 * left the inferior part of the upper lobe is the lingula.
 */
import type { ChestAnatomy, LungLobe } from './chest-plan-types';
import type { EllipsoidSpec, Vec3 } from './shape-spec';

export function lungSideAt(point: Vec3): 'right' | 'left' {
  return point[0] >= 0 ? 'right' : 'left';
}

function normalised(lung: EllipsoidSpec, point: Vec3): { ny: number; nz: number } {
  const negative = lung.radiiNegative ?? lung.radii;
  const dy = point[1] - lung.centre[1];
  const dz = point[2] - lung.centre[2];
  return {
    ny: dy / (dy >= 0 ? lung.radii[1] : negative[1]),
    nz: dz / (dz >= 0 ? lung.radii[2] : negative[2]),
  };
}

export function lungLobeAt(lungs: ChestAnatomy['lungs'], point: Vec3): LungLobe {
  const side = lungSideAt(point);
  const { ny, nz } = normalised(side === 'right' ? lungs.right : lungs.left, point);
  const belowOblique = nz < -0.1 - 0.6 * ny;
  if (side === 'right') {
    if (belowOblique) return 'right lower lobe';
    return nz < 0.05 ? 'right middle lobe' : 'right upper lobe';
  }
  if (belowOblique) return 'left lower lobe';
  return nz < -0.05 ? 'lingula' : 'left upper lobe';
}

const ABBREVIATIONS: Record<LungLobe, string> = {
  'right upper lobe': 'RUL',
  'right middle lobe': 'RML',
  'right lower lobe': 'RLL',
  'left upper lobe': 'LUL',
  lingula: 'lingula',
  'left lower lobe': 'LLL',
};

export function lobeAbbreviation(lobe: LungLobe): string {
  return ABBREVIATIONS[lobe];
}
