/**
 * The volume that augmentation reads and writes: preprocessed intensities (already windowed and
 * normalised by a preset) on a canonical RAS grid.
 *
 * - Voxel (i, j, k) is at data[i + nx * (j + ny * k)]; i grows towards the patient's Right (x),
 *   j towards Anterior (y), k towards Superior (z), as in volumes/volume.ts.
 * - `spacingMm` is the voxel size along i, j and k; spatial transforms work in millimetres.
 */
import { UserError } from '../../../shared/errors';

export interface AugmentVolume {
  data: Float32Array;
  dims: [number, number, number];
  spacingMm: [number, number, number];
}

/** What `applyAugmentation` and the prefetched stream accept (and return: same shape and layout). */
export type AugmentInput = AugmentVolume;

/** Throws a UserError (VOLUME_INVALID) unless dims, spacing and data length agree. */
export function assertAugmentVolume(volume: AugmentVolume): void {
  const { data, dims, spacingMm } = volume;
  if (!(data instanceof Float32Array)) {
    throw new UserError('VOLUME_INVALID', 'Augmentation needs Float32Array intensities (run a preset first).');
  }
  if (dims.length !== 3 || !dims.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new UserError('VOLUME_INVALID', `Volume dims must be three positive integers, got [${dims.join(', ')}].`);
  }
  if (spacingMm.length !== 3 || !spacingMm.every((s) => Number.isFinite(s) && s > 0)) {
    throw new UserError(
      'VOLUME_INVALID',
      `Voxel spacing must be three positive millimetre values, got [${spacingMm.join(', ')}].`,
    );
  }
  const expected = dims[0] * dims[1] * dims[2];
  if (data.length !== expected) {
    throw new UserError(
      'VOLUME_INVALID',
      `Volume has ${data.length} voxels but dims [${dims.join(', ')}] need ${expected}.`,
    );
  }
}

/** Smallest and largest finite intensity (the background used for padding is the minimum). */
export function intensityRange(data: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < data.length; n += 1) {
    const v = data[n] as number;
    if (v - v !== 0) {
      throw new UserError(
        'VOLUME_INVALID',
        `Volume intensity at index ${n} is ${v}; augmentation needs finite values.`,
      );
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
