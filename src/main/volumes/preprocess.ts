/**
 * Apply a preset to a CT volume: what the model sees, on a grid whose affine places it exactly
 * over the original CT in world RAS+ millimetres (open both in a viewer and they overlay).
 */
import { BugError, UserError } from '../../shared/errors';
import { centreCropOrPad } from './crop-pad';
import { intensityResampleOptions } from './intensity';
import { isCanonicalRas } from './orientation';
import type { Preset } from './preset-schema';
import { resampleVolume } from './resample';
import { alignCornersAxis, identityAxis, monaiSpacingAxis, torchResizeAxis, type AxisMap } from './resample-grid';
import { spacingOf, voxelCount, type Volume } from './volume';

/** Bump when preprocess() gives different output for the same volume and preset: caches made before are redone. */
export const PREPROCESS_VERSION = 1;

export interface PreprocessedVolume {
  /** x fastest, like every Volume. */
  data: Float32Array;
  dims: [number, number, number];
  /** Output voxel → world RAS+ mm, row-major 4x4. */
  affine: number[];
  presetName: string;
}

export function preprocess(volume: Volume, preset: Preset): PreprocessedVolume {
  checkVolume(volume);
  const spacing = spacingOf(volume.affine);
  const grid = ([0, 1, 2] as const).map((axis) => {
    const axisRule = preset.spacing.grid === 'monai-spacing' ? monaiSpacingAxis : torchResizeAxis;
    return axisRule(volume.dims[axis], spacing[axis], preset.spacing.mm[axis]);
  }) as [AxisMap, AxisMap, AxisMap];
  const [sizeX, sizeY, sizeZ] = preset.output.size;
  const x = centreCropOrPad(grid[0], sizeX);
  const y = centreCropOrPad(grid[1], sizeY);
  const padValue = preset.output.padValue;
  const intensity = { ...intensityResampleOptions(preset.intensity), padValue };

  if (preset.depthSlices === undefined) {
    const out = resampleVolume(volume, [x, y, centreCropOrPad(grid[2], sizeZ)], intensity);
    return { ...out, presetName: preset.name };
  }
  // The HCC-Merlin order: resample to the spacing and map the intensities, then resize the depth
  // to exactly depthSlices with align_corners=True, then crop. The in-plane crop or pad commutes
  // with the depth resize, so it happens in the first step and the second one only does z.
  if (grid[2].size < 2) {
    throw new UserError(
      'VOLUME_INVALID',
      `The volume covers only ${((volume.dims[2] - 1) * spacing[2]).toFixed(1)} mm along z, less than two ${preset.spacing.mm[2]} mm slices: the "${preset.name}" preset needs a 3D CT.`,
    );
  }
  const resampled = resampleVolume(volume, [x, y, grid[2]], intensity);
  const depth = centreCropOrPad(alignCornersAxis(grid[2].size, preset.depthSlices), sizeZ);
  const out = resampleVolume(resampled, [identityAxis(sizeX), identityAxis(sizeY), depth], { padValue });
  return { ...out, presetName: preset.name };
}

/** Readers return canonical RAS volumes; anything else here is a programming error upstream. */
function checkVolume(volume: Volume): void {
  const { dims, affine, data } = volume;
  if (dims.some((n) => !Number.isInteger(n) || n < 1) || data.length !== voxelCount(dims)) {
    throw new BugError(`A volume of ${data.length} voxels cannot have the dimensions ${dims.join('x')}.`);
  }
  const spacing = spacingOf(affine);
  if (affine.length !== 16 || spacing.some((s) => !Number.isFinite(s) || s <= 0)) {
    throw new UserError(
      'VOLUME_INVALID',
      `The volume's affine gives voxel sizes ${spacing.map((s) => s.toFixed(3)).join(' x ')} mm: every axis needs a positive, finite size.`,
    );
  }
  if (!isCanonicalRas(affine)) {
    throw new BugError(
      'Preprocessing needs a volume in canonical RAS orientation (voxel axes towards Right, Anterior, Superior). Read volumes with readVolume, which reorients them.',
    );
  }
}
