/** Small constructors for shape specs, the random low-frequency wobble, and offsets of shapes. */
import type { SeededRandom } from '../../shared/seeded-random';
import type { CylinderSpec, EllipsoidSpec, ShapeSpec, TubeSpec, Vec3, WobbleTerm } from './shape-spec';

export function tube(from: Vec3, to: Vec3, radius: number, radiusTo?: number): TubeSpec {
  return radiusTo === undefined ? { kind: 'tube', from, to, radius } : { kind: 'tube', from, to, radius, radiusTo };
}

export function sphere(centre: Vec3, radius: number, wobble?: WobbleTerm[]): EllipsoidSpec {
  return wobble
    ? { kind: 'ellipsoid', centre, radii: [radius, radius, radius], wobble }
    : { kind: 'ellipsoid', centre, radii: [radius, radius, radius] };
}

/**
 * A random smooth deformation: `terms` sinusoids over the unit sphere of directions with
 * spatial frequency up to `maxK` and amplitudes summing to at most `totalAmplitude`.
 */
export function randomWobble(random: SeededRandom, totalAmplitude: number, terms = 3, maxK = 1.6): WobbleTerm[] {
  const result: WobbleTerm[] = [];
  for (let i = 0; i < terms; i += 1) {
    result.push({
      k: [random.uniform(-maxK, maxK), random.uniform(-maxK, maxK), random.uniform(-maxK, maxK)],
      phase: random.uniform(0, 2 * Math.PI),
      amplitude: (totalAmplitude / terms) * random.uniform(0.5, 1),
    });
  }
  return result;
}

/** The same ellipsoid with every semi-axis changed by `mm` (a grown or shrunk copy, not an exact offset). */
export function growEllipsoid(spec: EllipsoidSpec, mm: number): EllipsoidSpec {
  const grow = (r: Vec3): Vec3 => [Math.max(1, r[0] + mm), Math.max(1, r[1] + mm), Math.max(1, r[2] + mm)];
  return {
    ...spec,
    radii: grow(spec.radii),
    ...(spec.radiiNegative ? { radiiNegative: grow(spec.radiiNegative) } : {}),
  };
}

/** The same cylinder with its in-plane semi-axes changed by `mm` (negative shrinks). */
export function growCylinder(spec: CylinderSpec, mm: number): CylinderSpec {
  const grow = (r: [number, number]): [number, number] => [Math.max(1, r[0] + mm), Math.max(1, r[1] + mm)];
  return {
    ...spec,
    radii: grow(spec.radii),
    ...(spec.radiiNegative ? { radiiNegative: grow(spec.radiiNegative) } : {}),
  };
}

/** Grows the ellipsoids and cylinders of a shape (through unions and intersections) by `mm`. */
export function growShape(spec: ShapeSpec, mm: number): ShapeSpec {
  switch (spec.kind) {
    case 'ellipsoid':
      return growEllipsoid(spec, mm);
    case 'cylinder':
      return growCylinder(spec, mm);
    case 'tube':
      return {
        ...spec,
        radius: Math.max(0.5, spec.radius + mm),
        radiusTo: Math.max(0.5, (spec.radiusTo ?? spec.radius) + mm),
      };
    case 'box':
      return {
        kind: 'box',
        min: [spec.min[0] - mm, spec.min[1] - mm, spec.min[2] - mm],
        max: [spec.max[0] + mm, spec.max[1] + mm, spec.max[2] + mm],
      };
    case 'halfspace':
      return { ...spec, offset: spec.offset + mm };
    case 'union':
    case 'intersection':
      return { kind: spec.kind, of: spec.of.map((part) => growShape(part, mm)) };
  }
}

/** Point on the outline of an unrotated, unwobbled lopsided ellipse at angle θ (radians, 0 = +x). */
export function ellipsePoint(
  centre: [number, number],
  radii: [number, number],
  radiiNegative: [number, number],
  theta: number,
): [number, number] {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return [
    centre[0] + c * (c >= 0 ? radii[0] : radiiNegative[0]),
    centre[1] + s * (s >= 0 ? radii[1] : radiiNegative[1]),
  ];
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
