/** Paint layers for the parts both regions share: body wall, spine and ribs. */
import type { BodyWallSpec, BoneHu, RibCageSpec, SpineSpec } from './body-plan-types';
import type { PaintLayer } from './paint-canvas';
import { ellipsePoint, tube } from './shape-builders';
import type { CylinderSpec, Vec3 } from './shape-spec';
import { TISSUE } from './tissue-labels';

export function bodyWallLayers(
  body: BodyWallSpec,
  hu: { subcutaneousFat: number; muscle: number; cavity: number },
  cavityTissue: (typeof TISSUE)['visceralFat' | 'mediastinalFat'],
): PaintLayer[] {
  return [
    { shape: body.outer, hu: hu.subcutaneousFat, tissue: TISSUE.subcutaneousFat },
    { shape: body.muscleOuter, hu: hu.muscle, tissue: TISSUE.muscle },
    { shape: body.cavity, hu: hu.cavity, tissue: cavityTissue, edgeMm: 2 },
  ];
}

/** Vertebral bodies (cortical rim + cancellous core) with discs, arches, processes and the canal. */
export function spineLayers(spine: SpineSpec, hu: BoneHu, zRange: [number, number]): PaintLayer[] {
  const { x, y, rx, ry, levelHeightMm, discHeightMm } = spine;
  const canalY = y - ry - 10;
  const column = (radii: [number, number], centreY = y): CylinderSpec => ({
    kind: 'cylinder',
    centre: [x, centreY],
    radii,
    zMin: zRange[0],
    zMax: zRange[1],
  });
  const layers: PaintLayer[] = [{ shape: column([rx, ry]), hu: hu.disc, tissue: TISSUE.disc }];
  const first = Math.floor((zRange[0] - spine.zPhaseMm) / levelHeightMm) - 1;
  const last = Math.ceil((zRange[1] - spine.zPhaseMm) / levelHeightMm) + 1;
  for (let level = first; level <= last; level += 1) {
    const zc = spine.zPhaseMm + level * levelHeightMm;
    const half = (levelHeightMm - discHeightMm) / 2;
    const bone = (radii: [number, number], centreY: number, inset: number): CylinderSpec => ({
      kind: 'cylinder',
      centre: [x, centreY],
      radii,
      zMin: zc - half + inset,
      zMax: zc + half - inset,
    });
    layers.push(
      { shape: bone([rx, ry], y, 0), hu: hu.cortical, tissue: TISSUE.bone },
      { shape: bone([rx - 2.5, ry - 2.5], y, 2.5), hu: hu.cancellous, tissue: TISSUE.bone },
      { shape: bone([13, 12], canalY, 2), hu: hu.cortical * 0.8, tissue: TISSUE.bone },
      {
        shape: tube([x, canalY - 8, zc], [x, canalY - 26, zc - 10], 4.5),
        hu: hu.cortical * 0.75,
        tissue: TISSUE.bone,
      },
      ...[1, -1].map((side) => ({
        shape: tube([x + side * 10, canalY + 2, zc + 2], [x + side * spine.transverseReachMm, canalY + 4, zc + 2], 5),
        hu: hu.cortical * 0.75,
        tissue: TISSUE.bone,
      })),
    );
  }
  layers.push({ shape: column([8, 7], canalY), hu: hu.csf, tissue: TISSUE.csf });
  return layers;
}

/** Each rib: a chain of bone tubes along the rib ellipse, descending from back to front, left and right. */
export function ribLayers(ribs: RibCageSpec, hu: BoneHu): PaintLayer[] {
  const layers: PaintLayer[] = [];
  const segments = 9;
  for (let n = 0; n < ribs.count; n += 1) {
    const zStart = ribs.zTopMm - n * ribs.periodMm;
    const endDeg = ribs.endDeg - n * 3;
    for (const side of [1, -1]) {
      const points: Vec3[] = [];
      for (let s = 0; s <= segments; s += 1) {
        const t = s / segments;
        const deg = ribs.startDeg + t * (endDeg - ribs.startDeg);
        const theta = side > 0 ? (deg * Math.PI) / 180 : Math.PI - (deg * Math.PI) / 180;
        const [px, py] = ellipsePoint(ribs.centre, ribs.radii, ribs.radiiNegative, theta);
        points.push([px, py, zStart - t * ribs.dropMm]);
      }
      for (let s = 0; s < segments; s += 1) {
        const a = points[s];
        const b = points[s + 1];
        if (!a || !b) continue;
        layers.push({ shape: tube(a, b, ribs.radiusMm), hu: hu.cortical, tissue: TISSUE.bone });
        layers.push({ shape: tube(a, b, ribs.radiusMm - 2.2), hu: hu.cancellous, tissue: TISSUE.bone });
      }
    }
  }
  return layers;
}
