/**
 * Plain-data descriptions of the shapes a phantom is built from, in RAS+ world millimetres
 * (+x patient's Right, +y Anterior, +z Superior). They are JSON-friendly (no functions, no
 * Infinity) so that a study plan can be stored, compared and replayed. `shape-distance.ts`
 * turns them into signed-distance functions.
 */
export type Vec3 = [number, number, number];

/**
 * A low-frequency deformation of a shape's surface: the surface radius in the direction n (a
 * unit vector in the shape's normalised frame) is scaled by 1 + Σ amplitude·sin(π·(k·n) + phase).
 * For cylinders the third component of n is z / 250 mm, so the outline also drifts along z.
 */
export interface WobbleTerm {
  k: Vec3;
  phase: number;
  amplitude: number;
}

/** An ellipsoid, optionally lopsided (other radii on the negative side of each own axis) and rotated. */
export interface EllipsoidSpec {
  kind: 'ellipsoid';
  centre: Vec3;
  /** Semi-axes (mm) along the shape's own x, y, z on their positive side. */
  radii: Vec3;
  /** Semi-axes on the negative side of each own axis; `radii` when absent. */
  radiiNegative?: Vec3;
  /** Rotation about world z (degrees), applied after `pitchDeg`. Own x = world x when 0. */
  yawDeg?: number;
  /** Rotation about world x (degrees): positive tilts the shape's own +z towards posterior (−y). */
  pitchDeg?: number;
  wobble?: WobbleTerm[];
}

/** An elliptic cylinder along world z, optionally capped (flat ends) at zMin / zMax. */
export interface CylinderSpec {
  kind: 'cylinder';
  centre: [number, number];
  radii: [number, number];
  radiiNegative?: [number, number];
  yawDeg?: number;
  zMin?: number;
  zMax?: number;
  wobble?: WobbleTerm[];
}

/** A capsule around the segment from → to, its radius going linearly from `radius` to `radiusTo`. */
export interface TubeSpec {
  kind: 'tube';
  from: Vec3;
  to: Vec3;
  radius: number;
  radiusTo?: number;
}

/** An axis-aligned box (use ±1e4 for an open side). */
export interface BoxSpec {
  kind: 'box';
  min: Vec3;
  max: Vec3;
}

/** Everything on one side of a plane: points p with normal·p ≤ offset (normal of unit length). */
export interface HalfSpaceSpec {
  kind: 'halfspace';
  normal: Vec3;
  offset: number;
}

export interface UnionSpec {
  kind: 'union';
  of: ShapeSpec[];
}

export interface IntersectionSpec {
  kind: 'intersection';
  of: ShapeSpec[];
}

export type ShapeSpec =
  EllipsoidSpec | CylinderSpec | TubeSpec | BoxSpec | HalfSpaceSpec | UnionSpec | IntersectionSpec;

/** A large number standing for "unbounded" in a box, kept finite so plans stay JSON. */
export const OPEN = 1e4;
