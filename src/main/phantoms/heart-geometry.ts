/**
 * The heart as a rotated ellipsoid sized from a cardiothoracic ratio: its widest transverse
 * extent (pericardial fat included) is `ratio` times the widest inner width of the thorax at the
 * heart's mid level, which is how the ratio is measured on an axial slice.
 */
import type { CylinderSpec, EllipsoidSpec } from './shape-spec';
import { compileShape } from './shape-distance';

/** Widest inner width (mm) of the cavity in the axial slice at z, found by stepping rows and columns. */
export function thoracicWidthAt(cavity: CylinderSpec, z: number): number {
  const shape = compileShape(cavity);
  const { min, max } = shape.bounds;
  let widest = 0;
  for (let y = min[1]; y <= max[1]; y += 2) {
    let left = Infinity;
    let right = -Infinity;
    for (let x = min[0]; x <= max[0]; x += 1) {
      if (shape.distance(x, y, z) <= 0) {
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
    if (right > left) widest = Math.max(widest, right - left);
  }
  return widest;
}

/** Where the heart sits, independent of its size (cardiomegaly enlarges it in the same frame). */
export interface HeartFrame {
  /** Widest inner width of the thorax at the heart's mid level (mm). */
  thoracicWidthMm: number;
  /** The heart (with its fat) sits just behind this y and must stay in front of posteriorLimitY. */
  anteriorLimitY: number;
  posteriorLimitY: number;
  centreZ: number;
  /** Angle of the long axis from the patient's left, towards anterior (degrees, 8–16). */
  axisAngleDeg: number;
  /** Fraction of the heart's transverse width that lies right of the midline (x > 0). */
  rightBorderFraction: number;
}

export interface HeartOptions extends HeartFrame {
  cardiothoracicRatio: number;
  pericardialFatMm: number;
  /** Half the anteroposterior depth of the heart (mm), reduced if the frame has no room for it. */
  halfDepthMm: number;
  halfHeightMm: number;
}

export function heartShape(options: HeartOptions): EllipsoidSpec {
  const theta = (options.axisAngleDeg * Math.PI) / 180;
  const c2 = Math.cos(theta) ** 2;
  const s2 = Math.sin(theta) ** 2;
  const halfWidth = (options.cardiothoracicRatio * options.thoracicWidthMm) / 2 - options.pericardialFatMm;
  const available = (options.anteriorLimitY - options.posteriorLimitY) / 2 - options.pericardialFatMm;
  // The ellipse needs halfDepth > halfWidth·tanθ to exist; keep a margin above that.
  const halfDepth = Math.max(Math.min(options.halfDepthMm, available), halfWidth * Math.tan(theta) * 1.25);
  const a = Math.sqrt((halfWidth ** 2 * c2 - halfDepth ** 2 * s2) / (c2 * c2 - s2 * s2));
  const b = Math.sqrt((halfDepth ** 2 * c2 - halfWidth ** 2 * s2) / (c2 * c2 - s2 * s2));
  const rightBorderX = options.rightBorderFraction * 2 * halfWidth;
  return {
    kind: 'ellipsoid',
    centre: [rightBorderX - halfWidth, options.anteriorLimitY - options.pericardialFatMm - halfDepth, options.centreZ],
    radii: [a, b, options.halfHeightMm],
    // Own +x (the long axis) points to the patient's left (−x) and anterior (+y).
    yawDeg: 180 - options.axisAngleDeg,
  };
}
