/** What a viewport shows of a volume: the voxel at a world point, and which slice it is on. */
import { utilities, type Types } from '@cornerstonejs/core';
import type { Vec3 } from './world-coordinates';

/** Which slice a viewport shows: along the volume's voxel axis closest to its view direction. */
export interface SliceInfo {
  axis: 0 | 1 | 2;
  index: number;
  count: number;
}

/** The voxel index of a world point (LPS, mm), or null outside the volume. */
export function voxelAt(volume: Types.IImageVolume, world: Types.Point3): Vec3 | null {
  const [i = -1, j = -1, k = -1] = utilities.transformWorldToIndex(volume.imageData, world) as number[];
  const [nx, ny, nz] = volume.dimensions;
  return i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? null : [i, j, k];
}

/** The value stored at a voxel (HU for the CT volumes). */
export function valueAt(volume: Types.IImageVolume, [i, j, k]: Vec3): number {
  return Number(volume.voxelManager?.getAtIJK(i, j, k));
}

/** The slice through `focalPoint` across the voxel axis most aligned with `viewPlaneNormal`. */
export function sliceOf(
  volume: Types.IImageVolume,
  focalPoint: Types.Point3,
  viewPlaneNormal: Types.Point3,
): SliceInfo {
  const index = utilities.transformWorldToIndex(volume.imageData, focalPoint) as number[];
  const direction = Array.from(volume.direction);
  let axis: 0 | 1 | 2 = 0;
  let best = -1;
  for (const candidate of [0, 1, 2] as const) {
    const dot = Math.abs(
      [0, 1, 2].reduce((sum, c) => sum + (direction[candidate * 3 + c] ?? 0) * (viewPlaneNormal[c] ?? 0), 0),
    );
    if (dot > best) {
      best = dot;
      axis = candidate;
    }
  }
  return { axis, index: index[axis] ?? 0, count: volume.dimensions[axis] };
}
