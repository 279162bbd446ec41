/**
 * Carry a coarse map computed on a model's feature grid (e.g. Grad-CAM at layer4) back onto any CT
 * grid, through world coordinates, so it overlays the CT in a viewer. The feature grid covers the
 * preprocessed volume as F.interpolate(..., align_corners=False) assumes: feature voxel f along an
 * axis of N input voxels and F feature voxels is centred at input coordinate (f + 0.5)·N/F − 0.5.
 * Values are interpolated trilinearly (clamped at the feature grid's border); voxels outside the
 * preprocessed field of view (cropped away, never seen by the model) get 0.
 */
import { invertAffine, multiplyAffines } from './affine-inverse';

export interface FeatureMap {
  /** x fastest. */
  values: Float32Array;
  dims: readonly [number, number, number];
}

export interface GridGeometry {
  dims: readonly [number, number, number];
  /** voxel → world RAS+ mm, row-major 4x4. */
  affine: readonly number[];
}

/**
 * The map sampled at every voxel of `target` (x fastest). `input` is the preprocessed volume's
 * geometry, which the feature grid covers.
 */
export function featureMapToGrid(map: FeatureMap, input: GridGeometry, target: GridGeometry): Float32Array {
  // target voxel → input voxel: inverse(input affine) · target affine (affine, so it steps linearly).
  const toInput = multiplyAffines(invertAffine(input.affine), target.affine);
  const [tx, ty, tz] = target.dims;
  const out = new Float32Array(tx * ty * tz);
  const ratio = [0, 1, 2].map((axis) => (map.dims[axis] ?? 1) / (input.dims[axis] ?? 1));
  const row = (r: number): number[] => [0, 1, 2, 3].map((c) => toInput[r * 4 + c] ?? 0);
  const rows = [row(0), row(1), row(2)];
  const [fx, fy, fz] = map.dims;
  const p = [0, 0, 0];
  let o = 0;
  for (let k = 0; k < tz; k += 1) {
    for (let j = 0; j < ty; j += 1) {
      for (let i = 0; i < tx; i += 1, o += 1) {
        let inside = true;
        for (let axis = 0; axis < 3; axis += 1) {
          const m = rows[axis]!;
          const coordinate = m[0]! * i + m[1]! * j + m[2]! * k + m[3]!;
          const n = input.dims[axis]!;
          if (coordinate < -0.5 || coordinate > n - 0.5) {
            inside = false;
            break;
          }
          p[axis] = (coordinate + 0.5) * ratio[axis]! - 0.5;
        }
        if (inside) out[o] = trilinear(map.values, fx, fy, fz, p[0]!, p[1]!, p[2]!);
      }
    }
  }
  return out;
}

function trilinear(values: Float32Array, nx: number, ny: number, nz: number, x: number, y: number, z: number): number {
  const clamp = (v: number, n: number): number => Math.min(Math.max(v, 0), n - 1);
  const cx = clamp(x, nx);
  const cy = clamp(y, ny);
  const cz = clamp(z, nz);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const z0 = Math.floor(cz);
  const x1 = Math.min(x0 + 1, nx - 1);
  const y1 = Math.min(y0 + 1, ny - 1);
  const z1 = Math.min(z0 + 1, nz - 1);
  const wx = cx - x0;
  const wy = cy - y0;
  const wz = cz - z0;
  const at = (a: number, b: number, c: number): number => values[a + nx * (b + ny * c)] ?? 0;
  const c00 = at(x0, y0, z0) * (1 - wx) + at(x1, y0, z0) * wx;
  const c10 = at(x0, y1, z0) * (1 - wx) + at(x1, y1, z0) * wx;
  const c01 = at(x0, y0, z1) * (1 - wx) + at(x1, y0, z1) * wx;
  const c11 = at(x0, y1, z1) * (1 - wx) + at(x1, y1, z1) * wx;
  return (c00 * (1 - wy) + c10 * wy) * (1 - wz) + (c01 * (1 - wy) + c11 * wy) * wz;
}

/** The voxel of largest value and, along each axis, the slice whose mean value is largest. */
export function peakOf(
  values: Float32Array,
  dims: readonly [number, number, number],
): {
  voxel: [number, number, number];
  value: number;
  slices: [number, number, number];
} {
  const [nx, ny, nz] = dims;
  const sumI = new Float64Array(nx);
  const sumJ = new Float64Array(ny);
  const sumK = new Float64Array(nz);
  let best = 0;
  let value = -Infinity;
  let o = 0;
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1, o += 1) {
        const v = values[o] ?? 0;
        if (v > value) {
          value = v;
          best = o;
        }
        sumI[i] = (sumI[i] ?? 0) + v;
        sumJ[j] = (sumJ[j] ?? 0) + v;
        sumK[k] = (sumK[k] ?? 0) + v;
      }
    }
  }
  const argmax = (array: Float64Array): number =>
    array.reduce((at, v, index) => (v > (array[at] ?? -Infinity) ? index : at), 0);
  return {
    voxel: [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))],
    value,
    slices: [argmax(sumI), argmax(sumJ), argmax(sumK)],
  };
}
