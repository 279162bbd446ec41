/** Small designed volumes and measurements for the augmentation tests. */
import type { AugmentVolume } from '../../../../src/main/volumes/augment/augment-volume';

export type Vec3 = [number, number, number];

export function emptyVolume(dims: Vec3, spacingMm: Vec3, value = 0): AugmentVolume {
  return { data: new Float32Array(dims[0] * dims[1] * dims[2]).fill(value), dims, spacingMm };
}

/** A volume whose value at each voxel is f(i, j, k). */
export function volumeFrom(dims: Vec3, spacingMm: Vec3, f: (i: number, j: number, k: number) => number): AugmentVolume {
  const volume = emptyVolume(dims, spacingMm);
  forEachVoxel(dims, (i, j, k, n) => {
    volume.data[n] = f(i, j, k);
  });
  return volume;
}

export function forEachVoxel(dims: Vec3, visit: (i: number, j: number, k: number, n: number) => void): void {
  let n = 0;
  for (let k = 0; k < dims[2]; k += 1) {
    for (let j = 0; j < dims[1]; j += 1) {
      for (let i = 0; i < dims[0]; i += 1) visit(i, j, k, n++);
    }
  }
}

/** The volume centre in voxel indices (middle of the voxel centres). */
export function centreOf(dims: Vec3): Vec3 {
  return [(dims[0] - 1) / 2, (dims[1] - 1) / 2, (dims[2] - 1) / 2];
}

/** A Gaussian blob of width `sigmaMm` centred at `atVoxel` (smooth, so resampling keeps its centroid). */
export function blobVolume(dims: Vec3, spacingMm: Vec3, atVoxel: Vec3, sigmaMm = 2, peak = 1): AugmentVolume {
  return volumeFrom(dims, spacingMm, (i, j, k) => {
    const dx = (i - atVoxel[0]) * spacingMm[0];
    const dy = (j - atVoxel[1]) * spacingMm[1];
    const dz = (k - atVoxel[2]) * spacingMm[2];
    return peak * Math.exp(-(dx * dx + dy * dy + dz * dz) / (2 * sigmaMm * sigmaMm));
  });
}

/** Centroid (voxel indices) of max(value − threshold, 0). */
export function centroid(volume: AugmentVolume, threshold = 0): Vec3 {
  let total = 0;
  const sum: Vec3 = [0, 0, 0];
  forEachVoxel(volume.dims, (i, j, k, n) => {
    const w = Math.max((volume.data[n] as number) - threshold, 0);
    total += w;
    sum[0] += w * i;
    sum[1] += w * j;
    sum[2] += w * k;
  });
  return [sum[0] / total, sum[1] / total, sum[2] / total];
}

export function sumOf(data: Float32Array): number {
  let total = 0;
  for (const v of data) total += v;
  return total;
}

export function maxOf(data: Float32Array): number {
  let max = -Infinity;
  for (const v of data) max = Math.max(max, v);
  return max;
}

export function allFinite(data: Float32Array): boolean {
  for (const v of data) if (!Number.isFinite(v)) return false;
  return true;
}

export function bytesOf(data: Float32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function copyVolume(volume: AugmentVolume): AugmentVolume {
  return { data: volume.data.slice(), dims: [...volume.dims], spacingMm: [...volume.spacingMm] };
}
