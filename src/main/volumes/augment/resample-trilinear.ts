/**
 * One trilinear resampling pass through a SpatialPlan. Positions outside the input take the
 * background value (the volume's minimum); neighbours outside the grid count as background, so
 * the edge fades instead of stepping.
 *
 * The input is first copied into a grid with a one-voxel background border, so every position
 * that touches the volume has all eight neighbours in that grid: the inner loop needs one range
 * test and no per-neighbour bounds checks.
 */
import type { SpatialPlan } from './spatial-transform';

/** The volume inside a one-voxel border of `background`: (nx + 2) × (ny + 2) × (nz + 2). */
function padWithBackground(
  input: Float32Array,
  dims: readonly [number, number, number],
  background: number,
): Float32Array {
  const [nx, ny, nz] = dims;
  const px = nx + 2;
  const py = ny + 2;
  const pxy = px * py;
  const padded = new Float32Array(pxy * (nz + 2));
  if (background !== 0) {
    // Only the border: the first and last planes, and each inner plane's outer rows and columns.
    padded.fill(background, 0, pxy);
    padded.fill(background, pxy * (nz + 1));
    for (let k = 1; k <= nz; k += 1) {
      padded.fill(background, pxy * k, pxy * k + px);
      padded.fill(background, pxy * k + px * (ny + 1), pxy * (k + 1));
      for (let j = 1; j <= ny; j += 1) {
        padded[pxy * k + px * j] = background;
        padded[pxy * k + px * j + nx + 1] = background;
      }
    }
  }
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      const from = nx * (j + ny * k);
      padded.set(input.subarray(from, from + nx), 1 + px * (j + 1) + pxy * (k + 1));
    }
  }
  return padded;
}

export function resampleTrilinear(
  input: Float32Array,
  dims: readonly [number, number, number],
  plan: SpatialPlan,
  background: number,
): Float32Array {
  const [nx, ny, nz] = dims;
  const padded = padWithBackground(input, dims, background);
  const px = nx + 2;
  const pxy = px * (ny + 2);
  // A position p (padded coordinates) samples padded[p0] … padded[p0 + 1] on each axis.
  const [xMax, yMax, zMax] = [nx + 1, ny + 1, nz + 1];
  const out = new Float32Array(input.length);
  const m = plan.matrix;
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = [
    m[0] as number,
    m[1] as number,
    m[2] as number,
    m[3] as number,
    m[4] as number,
    m[5] as number,
    m[6] as number,
    m[7] as number,
    m[8] as number,
  ];
  // +1: padded coordinates.
  const [b0, b1, b2] = [(plan.offset[0] as number) + 1, (plan.offset[1] as number) + 1, (plan.offset[2] as number) + 1];
  const elastic = plan.elastic;
  const ux = new Float64Array(nx);
  const uy = new Float64Array(nx);
  const uz = new Float64Array(nx);

  for (let k = 0; k < nz; k += 1) {
    elastic?.setSlice(k);
    for (let j = 0; j < ny; j += 1) {
      // Position of (0, j, k); i adds the first column of M (and the elastic shift, if any).
      const rowX = m01 * j + m02 * k + b0;
      const rowY = m11 * j + m12 * k + b1;
      const rowZ = m21 * j + m22 * k + b2;
      if (elastic) {
        elastic.row(j, ux, uy, uz);
        for (let i = 0; i < nx; i += 1) {
          ux[i] = (ux[i] as number) + rowX + m00 * i;
          uy[i] = (uy[i] as number) + rowY + m10 * i;
          uz[i] = (uz[i] as number) + rowZ + m20 * i;
        }
      } else {
        for (let i = 0; i < nx; i += 1) {
          ux[i] = rowX + m00 * i;
          uy[i] = rowY + m10 * i;
          uz[i] = rowZ + m20 * i;
        }
      }
      sampleRow(padded, px, pxy, xMax, yMax, zMax, ux, uy, uz, out, nx * (j + ny * k), background);
    }
  }
  return out;
}

/** out[rowStart + i] = padded volume at (xs[i], ys[i], zs[i]). */
function sampleRow(
  padded: Float32Array,
  px: number,
  pxy: number,
  xMax: number,
  yMax: number,
  zMax: number,
  xs: Float64Array,
  ys: Float64Array,
  zs: Float64Array,
  out: Float32Array,
  rowStart: number,
  background: number,
): void {
  for (let i = 0; i < xs.length; i += 1) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    const z = zs[i] as number;
    // Written so that NaN also lands in the background branch.
    if (!(x >= 0 && y >= 0 && z >= 0 && x < xMax && y < yMax && z < zMax)) {
      out[rowStart + i] = background;
      continue;
    }
    // Non-negative here, so truncation is floor (and much faster than Math.floor).
    const x0 = x | 0;
    const y0 = y | 0;
    const z0 = z | 0;
    const p = x0 + px * y0 + pxy * z0;
    const q = p + pxy;
    const v000 = padded[p] as number;
    const v100 = padded[p + 1] as number;
    const v010 = padded[p + px] as number;
    const v110 = padded[p + px + 1] as number;
    const v001 = padded[q] as number;
    const v101 = padded[q + 1] as number;
    const v011 = padded[q + px] as number;
    const v111 = padded[q + px + 1] as number;
    const fx = x - x0;
    const fy = y - y0;
    const fz = z - z0;
    const c00 = v000 + fx * (v100 - v000);
    const c10 = v010 + fx * (v110 - v010);
    const c01 = v001 + fx * (v101 - v001);
    const c11 = v011 + fx * (v111 - v011);
    const c0 = c00 + fy * (c10 - c00);
    const c1 = c01 + fy * (c11 - c01);
    out[rowStart + i] = c0 + fz * (c1 - c0);
  }
}
