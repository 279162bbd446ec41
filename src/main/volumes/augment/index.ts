/** 3D CT augmentation for contrastive training (MedCT-VLM Table 2): sample, apply, stream. */
export { applyAugmentation } from './apply-augmentation';
export { assertAugmentVolume, type AugmentInput, type AugmentVolume } from './augment-volume';
export {
  assertAugmentationConfig,
  defaultAugmentationConfig,
  disabledAugmentationConfig,
  MEDCT_VLM_AUGMENTATION,
  withAllProbabilities,
  type AugmentationConfig,
} from './augmentation-config';
export {
  AugmentationParamsSchema,
  identityAugmentation,
  parseAugmentationParams,
  type AugmentationParams,
} from './augmentation-params';
export { createAugmentedStream, type AugmentedSample, type AugmentedStreamOptions } from './augmented-stream';
export { sampleAugmentation } from './sample-augmentation';
export { deriveSampleSeed, sampleAugmentationAt, type SamplePosition } from './sample-seed';
