/** Test helpers that measure rendered phantoms in world millimetres through the volume's own affine. */
import type { Volume } from '../../../src/main/volumes/volume';

export type Point = [number, number, number];

/** World position (mm) of voxel (i, j, k), read from the affine. */
export function worldOf(volume: Volume, i: number, j: number, k: number): Point {
  const a = volume.affine;
  const at = (n: number): number => a[n] ?? 0;
  return [
    at(0) * i + at(1) * j + at(2) * k + at(3),
    at(4) * i + at(5) * j + at(6) * k + at(7),
    at(8) * i + at(9) * j + at(10) * k + at(11),
  ];
}

/** Nearest voxel index to a world point (diagonal affines only, as the phantoms use). */
export function voxelOf(volume: Volume, p: Point): [number, number, number] {
  const a = volume.affine;
  const at = (n: number): number => a[n] ?? 0;
  return [Math.round((p[0] - at(3)) / at(0)), Math.round((p[1] - at(7)) / at(5)), Math.round((p[2] - at(11)) / at(10))];
}

export function valueAt(volume: Volume, i: number, j: number, k: number): number {
  const [nx, ny] = volume.dims;
  return volume.data[i + nx * (j + ny * k)] ?? NaN;
}

/** HU values of every voxel whose centre satisfies `inside` (world mm), with their world positions. */
export function collect(
  volume: Volume,
  inside: (p: Point, index: number) => boolean,
): { values: number[]; points: Point[]; indices: number[] } {
  const [nx, ny, nz] = volume.dims;
  const values: number[] = [];
  const points: Point[] = [];
  const indices: number[] = [];
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1) {
        const p = worldOf(volume, i, j, k);
        const index = i + nx * (j + ny * k);
        if (inside(p, index)) {
          values.push(volume.data[index] ?? NaN);
          points.push(p);
          indices.push(index);
        }
      }
    }
  }
  return { values, points, indices };
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export function standardDeviation(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / values.length);
}

export function distance(a: Point, b: readonly number[]): number {
  return Math.hypot(a[0] - (b[0] ?? 0), a[1] - (b[1] ?? 0), a[2] - (b[2] ?? 0));
}

export function centroid(points: readonly Point[]): Point {
  const sum: Point = [0, 0, 0];
  for (const p of points) {
    sum[0] += p[0];
    sum[1] += p[1];
    sum[2] += p[2];
  }
  return [sum[0] / points.length, sum[1] / points.length, sum[2] / points.length];
}
