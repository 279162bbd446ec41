/**
 * A simplified Couinaud map of the phantom liver: which segment a world point lies in, so that
 * "segment VII" in a report names where the lesion really is. Planes are placed relative to the
 * right lobe's ellipsoid: falciform ligament (II/III vs IV), Cantlie's line (IV vs V/VIII), the
 * right hepatic vein (anterior V/VIII vs posterior VI/VII), the portal plane (superior vs inferior).
 */
import type { AbdomenAnatomy, CouinaudSegment } from './abdomen-plan-types';
import type { Vec3 } from './shape-spec';

export function liverSegmentAt(liver: AbdomenAnatomy['liver'], point: Vec3): CouinaudSegment {
  const right = liver.rightLobe;
  const negative = right.radiiNegative ?? right.radii;
  const [cx, cy, cz] = right.centre;
  const [x, y, z] = point;
  const nx = (x - cx) / (x >= cx ? right.radii[0] : negative[0]);
  const ny = (y - cy) / (y >= cy ? right.radii[1] : negative[1]);
  const nz = (z - cz) / (z >= cz ? right.radii[2] : negative[2]);

  const falciformX = cx - negative[0] * 0.8;
  if (x < falciformX) return z >= liver.leftLobe.centre[2] ? 'II' : 'III';
  if (nx < -0.25 && ny < -0.45) return 'I';
  const cantlieX = cx - negative[0] * 0.2;
  if (x < cantlieX) return nz >= -0.1 ? 'IVa' : 'IVb';
  const posterior = ny - 0.35 * nx < -0.15;
  if (posterior) return nz >= 0 ? 'VII' : 'VI';
  return nz >= 0 ? 'VIII' : 'V';
}

/** Which lobe a segment belongs to, for reports ("right lobe", "left lobe", "caudate lobe"). */
export function liverLobeOf(segment: CouinaudSegment): 'right' | 'left' | 'caudate' {
  if (segment === 'I') return 'caudate';
  return segment === 'V' || segment === 'VI' || segment === 'VII' || segment === 'VIII' ? 'right' : 'left';
}

/** Arabic numeral form of a segment ("VII" → "7", "IVa" → "4a"), as terser reports write it. */
export function segmentNumber(segment: CouinaudSegment): string {
  const numbers: Record<CouinaudSegment, string> = {
    I: '1',
    II: '2',
    III: '3',
    IVa: '4a',
    IVb: '4b',
    V: '5',
    VI: '6',
    VII: '7',
    VIII: '8',
  };
  return numbers[segment];
}
