/**
 * A preset's intensity step as numbers the resampler applies: the HU window, and the linear map
 * that sends its ends to the output range.
 *
 * Merlin (MONAI ScaleIntensityRange, clip=True) computes (x - a_min) / (a_max - a_min) *
 * (b_max - b_min) + b_min and then clips to [b_min, b_max]; clipping x to [a_min, a_max] first and
 * mapping after is the same function. CT-CLIP clips to [-1000, 1000] before resizing and divides
 * by 1000 after: the division is linear, so it may follow the interpolation without changing it.
 */
import type { Preset } from './preset-schema';
import type { ResampleOptions } from './resample';

export interface IntensityMap {
  /** Clip to [low, high] HU... */
  window: readonly [number, number];
  /** ...then value * scale + offset. */
  scale: number;
  offset: number;
}

export function intensityMap(intensity: Preset['intensity']): IntensityMap {
  const [huLow, huHigh] = intensity.huWindow;
  const [outLow, outHigh] = intensity.outputRange;
  const scale = (outHigh - outLow) / (huHigh - huLow);
  return { window: [huLow, huHigh], scale, offset: outLow - huLow * scale };
}

/** The resampler options for a preset: where the window is applied, and the map after it. */
export function intensityResampleOptions(
  intensity: Preset['intensity'],
): Pick<ResampleOptions, 'inputClip' | 'outputMap'> {
  const map = intensityMap(intensity);
  // After clipping the input, interpolated values stay inside the window: clipping the output
  // again changes nothing, so both orders clip there.
  return {
    ...(intensity.clip === 'before-resampling' ? { inputClip: map.window } : {}),
    outputMap: { clip: map.window, scale: map.scale, offset: map.offset },
  };
}
