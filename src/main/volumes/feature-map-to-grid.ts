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
  // target voxel → input voxel: inverse(input affine) · target affine. It is affine, so along a row
  // of the target each input coordinate moves by a constant step.
  const m = multiplyAffines(invertAffine(input.affine), target.affine);
  const [tx, ty, tz] = target.dims;
  const [nx, ny, nz] = input.dims;
  const [fx, fy, fz] = map.dims;
  const out = new Float32Array(tx * ty * tz);
  const values = map.values;
  // Feature coordinate f = (p + 0.5)·F/N − 0.5 of input coordinate p, folded into the affine.
  const rx = fx / nx;
  const ry = fy / ny;
  const rz = fz / nz;
  const ax = (m[0] ?? 0) * rx;
  const bx = (m[1] ?? 0) * rx;
  const cx = (m[2] ?? 0) * rx;
  const dx = ((m[3] ?? 0) + 0.5) * rx - 0.5;
  const ay = (m[4] ?? 0) * ry;
  const by = (m[5] ?? 0) * ry;
  const cy = (m[6] ?? 0) * ry;
  const dy = ((m[7] ?? 0) + 0.5) * ry - 0.5;
  const az = (m[8] ?? 0) * rz;
  const bz = (m[9] ?? 0) * rz;
  const cz = (m[10] ?? 0) * rz;
  const dz = ((m[11] ?? 0) + 0.5) * rz - 0.5;
  // The preprocessed field of view, [−0.5, N − 0.5] in input voxels, is [−0.5, F − 0.5] in feature
  // coordinates (with a little slack for rounding).
  const low = -0.5 - 1e-9;
  const highX = fx - 0.5 + 1e-9;
  const highY = fy - 0.5 + 1e-9;
  const highZ = fz - 0.5 + 1e-9;
  const strideY = fx;
  const strideZ = fx * fy;
  let o = 0;
  for (let k = 0; k < tz; k += 1) {
    for (let j = 0; j < ty; j += 1) {
      let x = bx * j + cx * k + dx;
      let y = by * j + cy * k + dy;
      let z = bz * j + cz * k + dz;
      for (let i = 0; i < tx; i += 1, o += 1, x += ax, y += ay, z += az) {
        if (x < low || x > highX || y < low || y > highY || z < low || z > highZ) {
          continue; // outside what the model saw: 0
        }
        // Clamp to the feature grid's centres (border values extend half a voxel, as F.interpolate).
        const px = x < 0 ? 0 : x > fx - 1 ? fx - 1 : x;
        const py = y < 0 ? 0 : y > fy - 1 ? fy - 1 : y;
        const pz = z < 0 ? 0 : z > fz - 1 ? fz - 1 : z;
        const x0 = Math.floor(px);
        const y0 = Math.floor(py);
        const z0 = Math.floor(pz);
        const wx = px - x0;
        const wy = py - y0;
        const wz = pz - z0;
        const sx = x0 + 1 < fx ? 1 : 0;
        const sy = y0 + 1 < fy ? strideY : 0;
        const sz = z0 + 1 < fz ? strideZ : 0;
        const base = x0 + strideY * y0 + strideZ * z0;
        const v000 = values[base] ?? 0;
        const v100 = values[base + sx] ?? 0;
        const v010 = values[base + sy] ?? 0;
        const v110 = values[base + sx + sy] ?? 0;
        const v001 = values[base + sz] ?? 0;
        const v101 = values[base + sx + sz] ?? 0;
        const v011 = values[base + sy + sz] ?? 0;
        const v111 = values[base + sx + sy + sz] ?? 0;
        const c00 = v000 + (v100 - v000) * wx;
        const c10 = v010 + (v110 - v010) * wx;
        const c01 = v001 + (v101 - v001) * wx;
        const c11 = v011 + (v111 - v011) * wx;
        const c0 = c00 + (c10 - c00) * wy;
        const c1 = c01 + (c11 - c01) * wy;
        out[o] = c0 + (c1 - c0) * wz;
      }
    }
  }
  return out;
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
