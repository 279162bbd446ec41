/**
 * A CT volume on a regular grid, as every reader returns it and every preset consumes it.
 *
 * - Voxel (i, j, k) is at data[i + nx * (j + ny * k)]: i fastest (NIfTI order).
 * - `affine` (row-major 4x4) maps voxel indices to world millimetres in RAS+ (+x towards the
 *   patient's Right, +y Anterior, +z Superior), as in NIfTI's sform (DICOM's LPS+ flips x, y).
 * - In canonical RAS orientation (what readers return) i grows towards +x (Right), j towards
 *   +y (Anterior), k towards +z (Superior), using the nearest axis for oblique scans; the
 *   affine still places every voxel exactly where the file did.
 * - CT intensities are Hounsfield units after RescaleSlope/Intercept or scl_slope/scl_inter:
 *   Int16Array when they are whole numbers in range, otherwise Float32Array.
 */
export type VolumeData = Int16Array | Float32Array;

export interface Volume {
  data: VolumeData;
  dims: [number, number, number];
  affine: number[];
}

/** Voxel size along i, j and k in millimetres (the norms of the affine's columns). */
export function spacingOf(affine: readonly number[]): [number, number, number] {
  const column = (c: number): number => Math.hypot(affine[c] ?? 0, affine[4 + c] ?? 0, affine[8 + c] ?? 0);
  return [column(0), column(1), column(2)];
}

export function voxelCount(dims: readonly [number, number, number]): number {
  return dims[0] * dims[1] * dims[2];
}
