/**
 * Where output samples fall along one voxel axis, as plain numbers: the reference codes'
 * grid rules written out, and the affine of the grid they produce.
 *
 * An AxisMap says: output index o (0 <= o < size) reads the input at voxel position
 * start + step * o, clamped to [0, n - 1] (border padding, as MONAI's Spacing and torch's
 * interpolate both do); outputs outside [validFrom, validTo) are padding instead.
 */
import { UserError } from '../../shared/errors';

export interface AxisMap {
  size: number;
  start: number;
  step: number;
  validFrom: number;
  validTo: number;
}

/** Values this close to a whole or half number are taken to be it (float32 spacings). */
const SNAP = 1e-6;

function snapToHalf(x: number): number {
  const half = Math.round(x * 2) / 2;
  return Math.abs(x - half) <= SNAP * Math.max(1, Math.abs(x)) ? half : x;
}

/** numpy's np.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * MONAI Spacing (monai.transforms.Spacing → SpatialResample, monai/data/utils.py
 * compute_shape_offset with scale_extent=False): the new affine is the old one with each column
 * scaled to the new spacing (zoom_affine, diagonal=False; equal for orthogonal columns), its
 * offset is the world position of the corner voxel that is smallest in the new index space
 * (here voxel 0: the first voxel keeps its world position), and the size is
 * np.round((n - 1) * old / new + 1.0). So the grid spans the old voxel centres, not the
 * "old extent / new spacing" of the whole field of view.
 */
export function monaiSpacingAxis(n: number, oldMm: number, newMm: number): AxisMap {
  const step = newMm / oldMm;
  const size = roundHalfEven(snapToHalf(((n - 1) * oldMm) / newMm + 1));
  return whole(Math.max(1, size), 0, step);
}

/**
 * CT-CLIP's resize_array: size = int(n * (old / new)), then torch F.interpolate(trilinear,
 * align_corners=False) with that size, which reads output o at (o + 0.5) * n / size - 0.5
 * (negative positions are taken as 0; upsampling past the last voxel repeats it). The spacing of
 * the result is n / size * old.
 */
export function torchResizeAxis(n: number, oldMm: number, newMm: number): AxisMap {
  const size = Math.floor(snapToHalf(n * (oldMm / newMm)));
  if (size < 1) {
    throw new UserError(
      'VOLUME_INVALID',
      `The volume is only ${(n * oldMm).toFixed(1)} mm long along one axis, less than one ${newMm} mm voxel: it cannot be resized.`,
    );
  }
  const scale = n / size;
  return whole(size, 0.5 * scale - 0.5, scale);
}

/** torch F.interpolate(size, align_corners=True): the first and last voxel centres stay put. */
export function alignCornersAxis(n: number, size: number): AxisMap {
  return whole(size, 0, size > 1 ? (n - 1) / (size - 1) : 0);
}

export function identityAxis(n: number): AxisMap {
  return whole(n, 0, 1);
}

export function isIdentityAxis(map: AxisMap, n: number): boolean {
  return map.size === n && map.start === 0 && map.step === 1 && map.validFrom === 0 && map.validTo === n;
}

function whole(size: number, start: number, step: number): AxisMap {
  return { size, start, step, validFrom: 0, validTo: size };
}

/**
 * The affine of a resampled grid: output voxel (i, j, k) sits where the input's voxel position
 * (start + step * i, ...) does, so each column scales by `step` and the origin moves to the
 * first output position. Padded voxels get their place on the same regular grid.
 */
export function resampledAffine(affine: readonly number[], maps: readonly [AxisMap, AxisMap, AxisMap]): number[] {
  const out = [...affine];
  for (let row = 0; row < 3; row += 1) {
    let origin = affine[row * 4 + 3] ?? 0;
    maps.forEach((map, col) => {
      const column = affine[row * 4 + col] ?? 0;
      out[row * 4 + col] = column * map.step;
      origin += column * map.start;
    });
    out[row * 4 + 3] = origin;
  }
  return out;
}
