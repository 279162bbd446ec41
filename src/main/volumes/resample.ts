/**
 * Trilinear resampling of a volume onto an axis-aligned grid (three AxisMaps), written by hand
 * for speed: no JavaScript library does fast 3D trilinear interpolation on typed arrays (the
 * image libraries are 2D, RGBA or per-voxel callbacks).
 *
 * When every output axis depends on one input axis only, trilinear interpolation is exactly three
 * 1D linear passes (the weights factorise: w = wx * wy * wz), so each output plane k is built as
 *   z: lerp of input planes k0 and k1 (only the x/y window the output needs)
 *   y: lerp of rows of that plane
 *   x: lerp within each row, then the intensity map, and padding where a map says so.
 * Index and weight tables are computed once per axis. Every Volume's grid qualifies: the target
 * grid only rescales and shifts each voxel axis (see resample-grid.ts), so oblique affines are
 * fine too. Working plane by plane keeps the scratch memory at two planes.
 *
 * Single-threaded on purpose. On a 2-core VM, Merlin's preset on a 512x512x300 int16 CT takes
 * about 0.2 s (the target is 1.5 s; `npm run bench`). worker_threads would first need the input in
 * a SharedArrayBuffer: copying a 150 MiB CT there costs about 80 ms and starting a worker about
 * 30 ms, as much as a second core would save on Merlin (CT-CLIP's 0.75 s might drop by 0.3 s).
 * Output planes are independent, so splitting them across workers is the next step if readers
 * ever allocate volumes in shared memory; running two studies at once is simpler still.
 *
 * Hot loops read typed arrays with `!`: every index there is in bounds by construction, and
 * `?? 0` on each read would cost time for a case that cannot happen.
 */
import { BugError } from '../../shared/errors';
import { isIdentityAxis, resampledAffine, type AxisMap } from './resample-grid';
import type { VolumeData } from './volume';

export type Dims = readonly [number, number, number];
export type AxisMaps = readonly [AxisMap, AxisMap, AxisMap];

export interface ResampleOptions {
  /** Clip every input value to [low, high] before interpolating (CT-CLIP's order). */
  inputClip?: readonly [number, number];
  /** Applied to every interpolated value: clip to `clip`, then value * scale + offset. */
  outputMap?: { clip?: readonly [number, number]; scale: number; offset: number };
  /** The value of padded voxels (written as is, not mapped). Default 0. */
  padValue?: number;
}

export interface ResampledGrid {
  data: Float32Array;
  dims: [number, number, number];
  affine: number[];
}

/** Resample `data` (x fastest) onto the grid the maps describe, as Float32. */
export function resampleVolume(
  volume: { data: VolumeData; dims: Dims; affine: readonly number[] },
  maps: AxisMaps,
  options: ResampleOptions = {},
): ResampledGrid {
  return {
    data: resampleData(volume.data, volume.dims, maps, options),
    dims: [maps[0].size, maps[1].size, maps[2].size],
    affine: resampledAffine(volume.affine, maps),
  };
}

interface AxisTable {
  size: number;
  i0: Int32Array;
  i1: Int32Array;
  w: Float64Array;
  validFrom: number;
  validTo: number;
  /** Lowest and highest input index any valid output reads. */
  low: number;
  high: number;
  identity: boolean;
}

function axisTable(map: AxisMap, n: number): AxisTable {
  const i0 = new Int32Array(map.size);
  const i1 = new Int32Array(map.size);
  const w = new Float64Array(map.size);
  let low = n;
  let high = -1;
  for (let o = map.validFrom; o < map.validTo; o += 1) {
    const position = Math.min(n - 1, Math.max(0, map.start + map.step * o));
    const lower = Math.min(n - 1, Math.floor(position));
    const upper = Math.min(n - 1, lower + 1);
    i0[o] = lower;
    i1[o] = upper;
    w[o] = position - lower;
    low = Math.min(low, lower);
    high = Math.max(high, upper);
  }
  return { ...map, i0, i1, w, low, high, identity: isIdentityAxis(map, n) };
}

export function resampleData(
  data: VolumeData,
  dims: Dims,
  maps: AxisMaps,
  options: ResampleOptions = {},
): Float32Array {
  const [nx, ny, nz] = dims;
  if (data.length !== nx * ny * nz) {
    throw new BugError(`Volume data has ${data.length} voxels; dimensions ${dims.join('x')} need ${nx * ny * nz}.`);
  }
  const tx = axisTable(maps[0], nx);
  const ty = axisTable(maps[1], ny);
  const tz = axisTable(maps[2], nz);
  const out = new Float32Array(tx.size * ty.size * tz.size);
  const pad = options.padValue ?? 0;
  if (tx.high < 0 || ty.high < 0 || tz.high < 0) return out.fill(pad); // all padding

  // The input window the output reads, in x and y.
  const xLow = tx.low;
  const wx = tx.high - xLow + 1;
  const yLow = ty.low;
  const wy = ty.high - yLow + 1;
  const zCopiesPlanes = tz.identity && !options.inputClip;
  const planeZ = zCopiesPlanes ? null : new Float32Array(wx * wy);
  const planeY = ty.identity ? null : new Float32Array(wx * ty.size);
  const [clipLow, clipHigh] = options.inputClip ?? [-Infinity, Infinity];
  const clip = options.inputClip !== undefined;
  const map = options.outputMap;
  const [mapLow, mapHigh] = map?.clip ?? [-Infinity, Infinity];
  const scale = map?.scale ?? 1;
  const offset = map?.offset ?? 0;
  const ox = tx.size;
  const oy = ty.size;
  const outPlane = ox * oy;
  const zOnly = tx.identity && ty.identity && map === undefined;

  for (let k = 0; k < tz.size; k += 1) {
    const outBase = k * outPlane;
    if (k < tz.validFrom || k >= tz.validTo) {
      out.fill(pad, outBase, outBase + outPlane);
      continue;
    }
    if (zOnly) {
      // Only z changes (a depth resize): interpolate whole planes straight into the output.
      const offset0 = tz.i0[k]! * outPlane;
      const offset1 = tz.i1[k]! * outPlane;
      if (clip) lerpClippedRow(data, offset0, offset1, tz.w[k]!, outPlane, clipLow, clipHigh, out, outBase);
      else lerpRow(data, offset0, offset1, tz.w[k]!, outPlane, out, outBase);
      continue;
    }
    // z: the window of the input plane(s) this output plane needs.
    let zSource: VolumeData = data;
    let zBase = tz.i0[k]! * nx * ny + yLow * nx + xLow;
    let zStride = nx;
    if (planeZ !== null) {
      const base1 = tz.i1[k]! * nx * ny + yLow * nx + xLow;
      for (let j = 0; j < wy; j += 1) {
        const offset0 = zBase + j * nx;
        const offset1 = base1 + j * nx;
        if (clip) lerpClippedRow(data, offset0, offset1, tz.w[k]!, wx, clipLow, clipHigh, planeZ, j * wx);
        else lerpRow(data, offset0, offset1, tz.w[k]!, wx, planeZ, j * wx);
      }
      zSource = planeZ;
      zBase = 0;
      zStride = wx;
    }
    // y: rows of that plane.
    let ySource: VolumeData = zSource;
    let yBase = zBase - yLow * zStride;
    let yStride = zStride;
    if (planeY !== null) {
      for (let j = ty.validFrom; j < ty.validTo; j += 1) {
        const row0 = zBase + (ty.i0[j]! - yLow) * zStride;
        const row1 = zBase + (ty.i1[j]! - yLow) * zStride;
        lerpRow(zSource, row0, row1, ty.w[j]!, wx, planeY, j * wx);
      }
      ySource = planeY;
      yBase = 0;
      yStride = wx;
    }
    // x: gather within each row, map the intensities, pad.
    for (let j = 0; j < oy; j += 1) {
      const outRow = outBase + j * ox;
      if (j < ty.validFrom || j >= ty.validTo) {
        out.fill(pad, outRow, outRow + ox);
        continue;
      }
      if (tx.validFrom > 0) out.fill(pad, outRow, outRow + tx.validFrom);
      if (tx.validTo < ox) out.fill(pad, outRow + tx.validTo, outRow + ox);
      const row = yBase + (planeY === null ? ty.i0[j]! : j) * yStride - xLow;
      gatherRow(ySource, row, tx, mapLow, mapHigh, scale, offset, out, outRow);
    }
  }
  return out;
}

/** target[at + i] = lerp(source[offset0 + i], source[offset1 + i], weight) for i < n. */
function lerpRow(
  source: VolumeData,
  offset0: number,
  offset1: number,
  weight: number,
  n: number,
  target: Float32Array,
  at: number,
): void {
  if (weight === 0) {
    for (let i = 0; i < n; i += 1) target[at + i] = source[offset0 + i]!;
    return;
  }
  for (let i = 0; i < n; i += 1) {
    const a = source[offset0 + i]!;
    target[at + i] = a + (source[offset1 + i]! - a) * weight;
  }
}

/** lerpRow of values clipped to [low, high] first. */
function lerpClippedRow(
  source: VolumeData,
  offset0: number,
  offset1: number,
  weight: number,
  n: number,
  low: number,
  high: number,
  target: Float32Array,
  at: number,
): void {
  for (let i = 0; i < n; i += 1) {
    let a = source[offset0 + i]!;
    a = a < low ? low : a > high ? high : a;
    let b = source[offset1 + i]!;
    b = b < low ? low : b > high ? high : b;
    target[at + i] = a + (b - a) * weight;
  }
}

/** One output row along x: interpolate, clip to [low, high], then value * scale + offset. */
function gatherRow(
  source: VolumeData,
  row: number,
  table: AxisTable,
  low: number,
  high: number,
  scale: number,
  offset: number,
  target: Float32Array,
  at: number,
): void {
  const { i0, i1, w, validFrom, validTo } = table;
  for (let i = validFrom; i < validTo; i += 1) {
    const a = source[row + i0[i]!]!;
    let value = a + (source[row + i1[i]!]! - a) * w[i]!;
    value = value < low ? low : value > high ? high : value;
    target[at + i] = value * scale + offset;
  }
}
