/**
 * Checks every CT reader runs on what it read, each failing with a UserError that names the
 * file: grid size, truncated voxel data, non-CT modality, the affine. (Voxel values are checked
 * for NaN/Inf as they are converted to HU, in hounsfield-data.ts.)
 */
import { UserError } from '../../shared/errors';

export const MAX_DIM = 4096;
export const MAX_VOXELS = 2 ** 30;

/** Every dimension in 1..4096 and at most 2^30 voxels, or VOLUME_INVALID naming the file. */
export function checkDims(dims: readonly number[], file: string): void {
  const shown = dims.join('x');
  for (const dim of dims) {
    if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
      throw new UserError(
        'VOLUME_INVALID',
        `${file} has dimensions ${shown}; each must be between 1 and ${MAX_DIM}. The header is corrupt or this is not a CT volume.`,
      );
    }
  }
  const count = dims.reduce((product, dim) => product * dim, 1);
  if (count > MAX_VOXELS) {
    throw new UserError(
      'VOLUME_INVALID',
      `${file} has dimensions ${shown} (${count} voxels); at most ${MAX_VOXELS} voxels are supported. Crop or resample it first.`,
    );
  }
}

/** VOLUME_INVALID when a file holds fewer voxel bytes than its header promises. */
export function checkDataLength(file: string, haveBytes: number, needBytes: number, what = 'voxel data'): void {
  if (haveBytes < needBytes) {
    throw new UserError(
      'VOLUME_INVALID',
      `${file} is truncated: it holds ${haveBytes} bytes of ${what} but its header needs ${needBytes}. Copy or export the file again.`,
    );
  }
}

/** VOLUME_UNSUPPORTED unless the DICOM Modality is CT. */
export function checkCtModality(modality: string, file: string): void {
  if (modality !== 'CT') {
    throw new UserError(
      'VOLUME_UNSUPPORTED',
      `${file} is a ${modality || 'modality-less'} image (DICOM Modality "${modality}"); only CT series (Modality CT) can be imported.`,
    );
  }
}

/** VOLUME_INVALID when an affine has a non-finite entry or maps the grid onto a plane. */
export function checkAffine(affine: readonly number[], file: string, source: string): void {
  const a = (i: number): number => affine[i] ?? NaN;
  const det =
    a(0) * (a(5) * a(10) - a(6) * a(9)) - a(1) * (a(4) * a(10) - a(6) * a(8)) + a(2) * (a(4) * a(9) - a(5) * a(8));
  if (affine.length !== 16 || !affine.every(Number.isFinite) || Math.abs(det) < 1e-12) {
    throw new UserError(
      'VOLUME_INVALID',
      `${file} has an unusable ${source} (${affine
        .slice(0, 12)
        .map((v) => Number(v.toFixed(4)))
        .join(', ')}): it does not place the voxels in space. Fix the header's orientation.`,
    );
  }
}
