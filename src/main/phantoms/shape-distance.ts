/**
 * Signed distances (mm, negative inside) for the shapes of `shape-spec.ts`, plus their world
 * bounding boxes. Distances are exact for spheres, tubes and boxes and first-order accurate near
 * the surface of ellipsoids and cylinders, which is all partial-volume rendering and the
 * planners' "is this lesion well inside the organ" checks need.
 */
import type { CylinderSpec, EllipsoidSpec, ShapeSpec, TubeSpec, Vec3, WobbleTerm } from './shape-spec';

export interface Bounds {
  min: Vec3;
  max: Vec3;
}

export interface CompiledShape {
  distance(x: number, y: number, z: number): number;
  bounds: Bounds;
}

const INFINITE_BOUNDS: Bounds = { min: [-Infinity, -Infinity, -Infinity], max: [Infinity, Infinity, Infinity] };

export function compileShape(spec: ShapeSpec): CompiledShape {
  switch (spec.kind) {
    case 'ellipsoid':
      return compileEllipsoid(spec);
    case 'cylinder':
      return compileCylinder(spec);
    case 'tube':
      return compileTube(spec);
    case 'box': {
      const { min, max } = spec;
      return {
        bounds: { min: [...min], max: [...max] },
        distance: (x, y, z) => boxDistance(x, y, z, min, max),
      };
    }
    case 'halfspace': {
      const [a, b, c] = spec.normal;
      const offset = spec.offset;
      return { bounds: INFINITE_BOUNDS, distance: (x, y, z) => a * x + b * y + c * z - offset };
    }
    case 'union': {
      const parts = spec.of.map(compileShape);
      return {
        bounds: parts.reduce((acc, part) => unionBounds(acc, part.bounds), emptyBounds()),
        distance: (x, y, z) => {
          let d = Infinity;
          for (const part of parts) d = Math.min(d, part.distance(x, y, z));
          return d;
        },
      };
    }
    case 'intersection': {
      const parts = spec.of.map(compileShape);
      return {
        bounds: parts.reduce((acc, part) => intersectBounds(acc, part.bounds), INFINITE_BOUNDS),
        distance: (x, y, z) => {
          let d = -Infinity;
          for (const part of parts) d = Math.max(d, part.distance(x, y, z));
          return d;
        },
      };
    }
  }
}

/** Signed distance of one point, for planners (compiles the shape each call: not for loops). */
export function signedDistance(spec: ShapeSpec, point: Vec3): number {
  return compileShape(spec).distance(point[0], point[1], point[2]);
}

/** World direction of an ellipsoid's own axis (0 = x, 1 = y, 2 = z). */
export function ellipsoidAxis(spec: EllipsoidSpec, axis: 0 | 1 | 2): Vec3 {
  const r = rotationMatrix(spec.yawDeg ?? 0, spec.pitchDeg ?? 0);
  return [r[axis] ?? 0, r[3 + axis] ?? 0, r[6 + axis] ?? 0];
}

/** Row-major R = Rz(yaw)·Rx(pitch): own axes (columns) expressed in world coordinates. */
function rotationMatrix(yawDeg: number, pitchDeg: number): number[] {
  const cy = Math.cos((yawDeg * Math.PI) / 180);
  const sy = Math.sin((yawDeg * Math.PI) / 180);
  const cp = Math.cos((pitchDeg * Math.PI) / 180);
  const sp = Math.sin((pitchDeg * Math.PI) / 180);
  return [cy, -sy * cp, sy * sp, sy, cy * cp, -cy * sp, 0, sp, cp];
}

function wobbleFactor(terms: readonly WobbleTerm[] | undefined, nx: number, ny: number, nz: number): number {
  if (!terms) return 1;
  let g = 1;
  for (const t of terms) g += t.amplitude * Math.sin(Math.PI * (t.k[0] * nx + t.k[1] * ny + t.k[2] * nz) + t.phase);
  return g;
}

function wobbleReach(terms: readonly WobbleTerm[] | undefined): number {
  return 1 + (terms ?? []).reduce((sum, t) => sum + Math.abs(t.amplitude), 0);
}

function compileEllipsoid(spec: EllipsoidSpec): CompiledShape {
  const [cx, cy, cz] = spec.centre;
  const [px, py, pz] = spec.radii;
  const [nxr, nyr, nzr] = spec.radiiNegative ?? spec.radii;
  const rotated = (spec.yawDeg ?? 0) !== 0 || (spec.pitchDeg ?? 0) !== 0;
  const r = rotationMatrix(spec.yawDeg ?? 0, spec.pitchDeg ?? 0);
  const at = (index: number): number => r[index] ?? 0;
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = [at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8)];
  const wobble = spec.wobble;
  const reach = wobbleReach(wobble);
  const minRadius = Math.min(px, py, pz, nxr, nyr, nzr);
  let bounds: Bounds;
  if (rotated) {
    const big = Math.max(px, py, pz, nxr, nyr, nzr) * reach;
    bounds = { min: [cx - big, cy - big, cz - big], max: [cx + big, cy + big, cz + big] };
  } else {
    bounds = {
      min: [cx - nxr * reach, cy - nyr * reach, cz - nzr * reach],
      max: [cx + px * reach, cy + py * reach, cz + pz * reach],
    };
  }
  return {
    bounds,
    distance(x, y, z) {
      const dx = x - cx;
      const dy = y - cy;
      const dz = z - cz;
      // Own coordinates: l = Rᵀ·d.
      const lx = m00 * dx + m10 * dy + m20 * dz;
      const ly = m01 * dx + m11 * dy + m21 * dz;
      const lz = m02 * dx + m12 * dy + m22 * dz;
      const ax = lx >= 0 ? px : nxr;
      const ay = ly >= 0 ? py : nyr;
      const az = lz >= 0 ? pz : nzr;
      const mx = lx / ax;
      const my = ly / ay;
      const mz = lz / az;
      const m = Math.sqrt(mx * mx + my * my + mz * mz);
      if (m < 1e-9) return -minRadius * wobbleFactor(wobble, 1, 0, 0);
      const g = wobbleFactor(wobble, mx / m, my / m, mz / m);
      const gx = mx / ax;
      const gy = my / ay;
      const gz = mz / az;
      const gradient = Math.sqrt(gx * gx + gy * gy + gz * gz) / m;
      return (m - g) / gradient;
    },
  };
}

function compileCylinder(spec: CylinderSpec): CompiledShape {
  const [cx, cy] = spec.centre;
  const [px, py] = spec.radii;
  const [nxr, nyr] = spec.radiiNegative ?? spec.radii;
  const yaw = ((spec.yawDeg ?? 0) * Math.PI) / 180;
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  const zMin = spec.zMin ?? -Infinity;
  const zMax = spec.zMax ?? Infinity;
  const wobble = spec.wobble;
  const reach = wobbleReach(wobble);
  const big = Math.max(px, py, nxr, nyr) * reach;
  const bounds: Bounds =
    yaw === 0
      ? { min: [cx - nxr * reach, cy - nyr * reach, zMin], max: [cx + px * reach, cy + py * reach, zMax] }
      : { min: [cx - big, cy - big, zMin], max: [cx + big, cy + big, zMax] };
  const minRadius = Math.min(px, py, nxr, nyr);
  return {
    bounds,
    distance(x, y, z) {
      const dx = x - cx;
      const dy = y - cy;
      const lx = c * dx + s * dy;
      const ly = -s * dx + c * dy;
      const ax = lx >= 0 ? px : nxr;
      const ay = ly >= 0 ? py : nyr;
      const mx = lx / ax;
      const my = ly / ay;
      const m = Math.sqrt(mx * mx + my * my);
      let radial: number;
      if (m < 1e-9) {
        radial = -minRadius * wobbleFactor(wobble, 1, 0, z / 250);
      } else {
        const g = wobbleFactor(wobble, mx / m, my / m, z / 250);
        const gx = mx / ax;
        const gy = my / ay;
        radial = (m - g) / (Math.sqrt(gx * gx + gy * gy) / m);
      }
      const cap = Math.max(zMin - z, z - zMax);
      return Math.max(radial, cap);
    },
  };
}

function compileTube(spec: TubeSpec): CompiledShape {
  const [ax, ay, az] = spec.from;
  const [bx, by, bz] = spec.to;
  const r0 = spec.radius;
  const r1 = spec.radiusTo ?? spec.radius;
  const ex = bx - ax;
  const ey = by - ay;
  const ez = bz - az;
  const lengthSq = ex * ex + ey * ey + ez * ez || 1e-9;
  const big = Math.max(r0, r1);
  return {
    bounds: {
      min: [Math.min(ax, bx) - big, Math.min(ay, by) - big, Math.min(az, bz) - big],
      max: [Math.max(ax, bx) + big, Math.max(ay, by) + big, Math.max(az, bz) + big],
    },
    distance(x, y, z) {
      const wx = x - ax;
      const wy = y - ay;
      const wz = z - az;
      const t = Math.min(1, Math.max(0, (wx * ex + wy * ey + wz * ez) / lengthSq));
      const qx = wx - t * ex;
      const qy = wy - t * ey;
      const qz = wz - t * ez;
      return Math.sqrt(qx * qx + qy * qy + qz * qz) - (r0 + t * (r1 - r0));
    },
  };
}

function boxDistance(x: number, y: number, z: number, min: Vec3, max: Vec3): number {
  const qx = Math.max(min[0] - x, x - max[0]);
  const qy = Math.max(min[1] - y, y - max[1]);
  const qz = Math.max(min[2] - z, z - max[2]);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0), Math.max(qz, 0));
  return outside + Math.min(Math.max(qx, qy, qz), 0);
}

function emptyBounds(): Bounds {
  return { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] };
}

function unionBounds(a: Bounds, b: Bounds): Bounds {
  return {
    min: [Math.min(a.min[0], b.min[0]), Math.min(a.min[1], b.min[1]), Math.min(a.min[2], b.min[2])],
    max: [Math.max(a.max[0], b.max[0]), Math.max(a.max[1], b.max[1]), Math.max(a.max[2], b.max[2])],
  };
}

function intersectBounds(a: Bounds, b: Bounds): Bounds {
  return {
    min: [Math.max(a.min[0], b.min[0]), Math.max(a.min[1], b.min[1]), Math.max(a.min[2], b.min[2])],
    max: [Math.min(a.max[0], b.max[0]), Math.min(a.max[1], b.max[1]), Math.min(a.max[2], b.max[2])],
  };
}
