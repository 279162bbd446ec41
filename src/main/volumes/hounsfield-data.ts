/**
 * The one conversion every CT reader shares: raw stored values -> Hounsfield units in the
 * smallest exact storage type (Int16Array when every value is a whole number in int16 range),
 * checking every value is finite.
 */
import { BugError, UserError } from '../../shared/errors';
import type { VolumeData } from './volume';

/** Raw stored voxel values before rescaling, in any type a supported file can hold. */
export type RawVoxels = Uint8Array | Int8Array | Int16Array | Uint16Array | Float32Array;

/** value = raw * slope + intercept (DICOM RescaleSlope/Intercept, NIfTI scl_slope/scl_inter). */
export interface Rescale {
  slope: number;
  intercept: number;
}

export const IDENTITY_RESCALE: Readonly<Rescale> = { slope: 1, intercept: 0 };

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
