/**
 * Applies decided parameters to a volume: the spatial transforms in one trilinear pass, then the
 * intensity transforms in this order (MedCT-VLM §3.3: spatial first, then intensity):
 *
 *   gamma → bias field → blur → noise
 *
 * Table 2 does not fix an order. Gamma and the bias field act on the clean image, whose range is
 * still the preset's; noise comes last so its σ is exactly the configured one (not blurred away
 * or bent by gamma).
 *
 * Pure and deterministic: the same input and params give the same bytes. The input is not
 * modified; the result is always a new array (the identity returns an exact copy).
 */
import { assertAugmentVolume, intensityRange, type AugmentVolume } from './augment-volume';
import { parseAugmentationParams, type AugmentationParams } from './augmentation-params';
import { applyBiasFieldInPlace } from './bias-field';
import { gammaCorrectInPlace } from './gamma-correction';
import { gaussianBlurInPlace } from './gaussian-blur';
import { addGaussianNoiseInPlace } from './gaussian-noise';
import { resampleTrilinear } from './resample-trilinear';
import { isSpatialIdentity, planSpatialTransform } from './spatial-transform';

export function applyAugmentation(volume: AugmentVolume, params: AugmentationParams): AugmentVolume {
  assertAugmentVolume(volume);
  const checked = parseAugmentationParams(params);
  const { dims, spacingMm } = volume;
  const { min, max } = intensityRange(volume.data);

  const data = isSpatialIdentity(checked)
    ? volume.data.slice()
    : resampleTrilinear(volume.data, dims, planSpatialTransform(checked, dims, spacingMm), min);

  if (checked.gamma) gammaCorrectInPlace(data, checked.gamma.logGamma, min, max);
  if (checked.biasField)
    applyBiasFieldInPlace(data, dims, checked.biasField.order, checked.biasField.coefficients, min);
  if (checked.blur) gaussianBlurInPlace(data, dims, checked.blur.sigmaVoxels);
  if (checked.noise) addGaussianNoiseInPlace(data, checked.noise.sigma, checked.noise.seed);

  return { data, dims: [dims[0], dims[1], dims[2]], spacingMm: [spacingMm[0], spacingMm[1], spacingMm[2]] };
}
