/**
 * Checks every CT reader runs on what it read, each failing with a UserError that names the
 * file: grid size, truncated voxel data, non-CT modality, and voxel values (NaN or Inf), plus
 * the one conversion every reader shares: raw stored values -> Hounsfield units in the
 * smallest exact storage type (Int16Array when every value is a whole number in int16 range).
 */
import { BugError, UserError } from '../../shared/errors';
import type { VolumeData } from './volume';

export const MAX_DIM = 4096;
export const MAX_VOXELS = 2 ** 30;

/** Raw stored voxel values before rescaling, in any type a supported file can hold. */
export type RawVoxels = Uint8Array | Int8Array | Int16Array | Uint16Array | Float32Array;

/** value = raw * slope + intercept (DICOM RescaleSlope/Intercept, NIfTI scl_slope/scl_inter). */
export interface Rescale {
  slope: number;
  intercept: number;
}

export const IDENTITY_RESCALE: Readonly<Rescale> = { slope: 1, intercept: 0 };

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

/**
 * Rescale raw values to HU, segment by segment (one segment per DICOM slice, or one for a whole
 * NIfTI volume), checking every value is finite. Returns Int16Array when every HU value is a
 * whole number in int16 range, otherwise Float32Array. A raw Int16Array with an identity rescale
 * is returned as it is, without a copy.
 */
export function toHounsfieldData(
  raw: RawVoxels,
  rescales: readonly Rescale[],
  segmentLength: number,
  file: string,
): VolumeData {
  if (rescales.length * segmentLength !== raw.length) {
    throw new BugError(
      `${file}: ${raw.length} voxels do not split into ${rescales.length} segments of ${segmentLength}.`,
    );
  }
  // int16 stored values, unscaled: already whole, finite and in range.
  if (raw instanceof Int16Array && rescales.every(isIdentity)) return raw;
  let fitsInt16 = true;
  for (let s = 0; s < rescales.length; s += 1) {
    const { slope, intercept } = rescales[s] ?? IDENTITY_RESCALE;
    if (!Number.isFinite(slope) || !Number.isFinite(intercept)) {
      throw new UserError(
        'VOLUME_INVALID',
        `${file} has a non-finite rescale slope or intercept (${slope}, ${intercept}); fix RescaleSlope/RescaleIntercept or scl_slope/scl_inter.`,
      );
    }
    const end = (s + 1) * segmentLength;
    for (let i = s * segmentLength; i < end; i += 1) {
      const value = (raw[i] ?? 0) * slope + intercept;
      if (value !== Math.round(value) || value < -32768 || value > 32767) {
        if (!Number.isFinite(value)) throw nonFinite(file, i, value);
        fitsInt16 = false;
      }
    }
  }
  const out = fitsInt16 ? new Int16Array(raw.length) : new Float32Array(raw.length);
  for (let s = 0; s < rescales.length; s += 1) {
    const { slope, intercept } = rescales[s] ?? IDENTITY_RESCALE;
    const end = (s + 1) * segmentLength;
    if (slope === 1 && intercept === 0) {
      out.set(raw.subarray(s * segmentLength, end), s * segmentLength);
      continue;
    }
    for (let i = s * segmentLength; i < end; i += 1) out[i] = (raw[i] ?? 0) * slope + intercept;
  }
  return out;
}

function isIdentity(rescale: Rescale): boolean {
  return rescale.slope === 1 && rescale.intercept === 0;
}

function nonFinite(file: string, index: number, value: number): UserError {
  return new UserError(
    'VOLUME_INVALID',
    `${file} has a ${Number.isNaN(value) ? 'NaN' : 'infinite'} voxel (voxel number ${index}); CT values must be finite Hounsfield units. Re-export the volume.`,
  );
}
