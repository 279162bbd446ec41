/** Plan types shared by both regions: body wall, spine and rib cage. */
import type { CylinderSpec } from './shape-spec';

/** Skin → subcutaneous fat → muscle wall → body cavity, as three nested cylinders along z. */
export interface BodyWallSpec {
  outer: CylinderSpec;
  /** Inner edge of the subcutaneous fat (outer edge of the muscle wall). */
  muscleOuter: CylinderSpec;
  /** Inner edge of the muscle wall: the abdominal or thoracic cavity. */
  cavity: CylinderSpec;
  fatThicknessMm: number;
  muscleThicknessMm: number;
}

/** A column of vertebrae (bodies with a cortical rim, discs, posterior arch, canal) along z. */
export interface SpineSpec {
  /** Centre of the vertebral bodies in the axial plane (mm). */
  x: number;
  y: number;
  /** Semi-axes of a vertebral body (mm). */
  rx: number;
  ry: number;
  levelHeightMm: number;
  discHeightMm: number;
  /** z of the centre of one vertebral body; the others repeat every levelHeightMm. */
  zPhaseMm: number;
  /** Lateral reach of the transverse processes from the midline (mm). */
  transverseReachMm: number;
}

/** Ribs as bone tubes following the body outline, each running from the spine forwards and down. */
export interface RibCageSpec {
  centre: [number, number];
  /** Semi-axes of the ellipse the ribs follow (anterior / lateral and posterior). */
  radii: [number, number];
  radiiNegative: [number, number];
  count: number;
  /** z of the posterior end of the first (highest) rib. */
  zTopMm: number;
  periodMm: number;
  /** How far each rib descends from its posterior to its anterior end. */
  dropMm: number;
  /** Angles (degrees, 0 = lateral, −90 = posterior, +90 = anterior) where a rib starts and ends. */
  startDeg: number;
  endDeg: number;
  radiusMm: number;
}

export interface BoneHu {
  cortical: number;
  cancellous: number;
  disc: number;
  csf: number;
}
