/**
 * Centre crop or pad, as a change of grid: the result's affine keeps every voxel at its world
 * position (a crop moves the origin inwards, a pad outwards), so the output overlays the input.
 */
import { identityAxis, type AxisMap } from './resample-grid';
import { resampleVolume, type Dims, type ResampledGrid } from './resample';
import type { VolumeData } from './volume';

/**
 * Centre crop or pad an axis of `map.size` samples to `target`, as MONAI CenterSpatialCrop /
 * SpatialPad (method "symmetric") and CT-CLIP both do: crop from floor((size - target) / 2), or
 * pad floor((target - size) / 2) before and the rest after. (MONAI's CenterSpatialCrop starts at
 * size // 2 - target // 2: the same for every even target, which all built-in presets use.)
 */
export function centreCropOrPad(map: AxisMap, target: number): AxisMap {
  const offset = map.size >= target ? Math.floor((map.size - target) / 2) : -Math.floor((target - map.size) / 2);
  return window(map, offset, target);
}

/** Output index o of the result is index o + offset of `map`; outside `map` it is padding. */
export function window(map: AxisMap, offset: number, size: number): AxisMap {
  return {
    size,
    start: map.start + map.step * offset,
    step: map.step,
    validFrom: Math.min(size, Math.max(0, map.validFrom - offset)),
    validTo: Math.max(0, Math.min(size, map.validTo - offset)),
  };
}

/** A volume centre-cropped or padded (with `padValue`) to `target`, with its affine. */
export function cropOrPadVolume(
  volume: { data: VolumeData; dims: Dims; affine: readonly number[] },
  target: Dims,
  padValue: number,
): ResampledGrid {
  const maps = [0, 1, 2].map((axis) => centreCropOrPad(identityAxis(volume.dims[axis]!), target[axis]!)) as [
    AxisMap,
    AxisMap,
    AxisMap,
  ];
  return resampleVolume(volume, maps, { padValue });
}
