/**
 * What augmentation may do, and how often: one probability and one range per transform.
 *
 * The defaults are MedCT-VLM's (../shared/reference/papers/medct-vlm-lora-ct-clip.txt, §3.3,
 * Table 2 "CT volume augmentation parameters", implemented there with TorchIO 0.19.6):
 *
 * | Table 2 row  | configuration in the paper                          | p   | here                     |
 * | ------------ | --------------------------------------------------- | --- | ------------------------ |
 * | Rotation     | ±15° rotation around random axes                    | 0.9 | `rotation`               |
 * | Scaling      | zoom in/out by 0.9–1.1×                             | 0.9 | `scaling`                |
 * | Translation  | shift up to 10 mm in random direction               | 0.9 | `translation`            |
 * | Elastic      | 7×7×7 grid with max 10 mm displacement              | 0.7 | `elastic`                |
 * | Flip         | left-right and anterior-posterior axes              | 0.5 | `flip` (never S–I, §3.3) |
 * | Blur         | Gaussian smoothing, σ = 0.5–1.5 voxels              | 0.5 | `blur`                   |
 * | Noise        | Gaussian noise, σ = 0.15 post-normalization         | 0.5 | `noise`                  |
 * | Gamma        | log(γ) ∈ [−0.5, 0.5]                                | 0.5 | `gamma`                  |
 * | Bias field   | low-frequency intensity variation, coefficient 0.5  | 0.3 | `biasField`              |
 *
 * What the paper leaves open, and what is chosen here:
 * - Rotation: "around random axes" is read as TorchIO's RandomAffine(degrees=15): three angles,
 *   each uniform in [−15°, 15°], about x, y and z.
 * - Scaling: isotropic (one factor for all axes, "zoom in/out"); TorchIO samples one per axis
 *   unless `isotropic=True`, which `isotropic: false` here reproduces.
 * - Translation: "in random direction" is read literally: a direction uniform on the sphere and a
 *   length uniform in [0, 10] mm (TorchIO would draw each axis in [−10, 10] mm).
 * - Rotation, scaling and translation are gated independently, each with its own 0.9 (the table
 *   lists three probabilities; TorchIO's RandomAffine would have one gate for all three).
 * - Elastic: as TorchIO's RandomElasticDeformation(num_control_points=7, max_displacement=10,
 *   locked_borders=2, its default): the outer two control layers stay at zero ("displacements are reduced at
 *   image edges", §3.3). "Max 10 mm" is read as the length of each control vector (uniform in a
 *   10 mm ball), so the interpolated displacement never exceeds 10 mm either.
 * - Flip: the probability applies to each allowed axis independently (TorchIO's
 *   flip_probability). There is deliberately no superior–inferior option.
 * - Blur: σ drawn per axis, in voxels as the table says (TorchIO's std is in mm).
 * - Gamma: on intensities rescaled to [0, 1] and back (TorchIO powers the raw values), so
 *   [−1, 1] data works too.
 * - Noise: σ = 0.15 in normalised intensity units, whatever the preset's range ([0, 1] for
 *   merlin, [−1, 1] for ctclip); fixed rather than TorchIO's U(0, σ), as the table gives one value.
 * - Bias field: TorchIO's RandomBiasField with coefficients 0.5 and its default order 3 (the paper
 *   says "low-order polynomial" without an order). Note the table's 0.5 is the coefficient and 0.3
 *   the probability.
 */
import { UserError } from '../../../shared/errors';

export interface AugmentationConfig {
  /** false: `sampleAugmentation` returns the identity, whatever the probabilities say. */
  enabled: boolean;
  rotation: { probability: number; maxDegrees: number };
  scaling: { probability: number; range: [number, number]; isotropic: boolean };
  translation: { probability: number; maxMm: number };
  elastic: { probability: number; controlPoints: number; maxDisplacementMm: number; lockedBorders: number };
  /** Each allowed axis is flipped with `probability`, independently. */
  flip: { probability: number; leftRight: boolean; anteriorPosterior: boolean };
  blur: { probability: number; sigmaVoxels: [number, number] };
  noise: { probability: number; sigma: [number, number] };
  gamma: { probability: number; logGamma: [number, number] };
  biasField: { probability: number; coefficient: number; order: number };
}

/** MedCT-VLM Table 2 (see the table above for what each value means). */
export const MEDCT_VLM_AUGMENTATION: Readonly<AugmentationConfig> = Object.freeze({
  enabled: true,
  rotation: { probability: 0.9, maxDegrees: 15 },
  scaling: { probability: 0.9, range: [0.9, 1.1], isotropic: true },
  translation: { probability: 0.9, maxMm: 10 },
  elastic: { probability: 0.7, controlPoints: 7, maxDisplacementMm: 10, lockedBorders: 2 },
  flip: { probability: 0.5, leftRight: true, anteriorPosterior: true },
  blur: { probability: 0.5, sigmaVoxels: [0.5, 1.5] },
  noise: { probability: 0.5, sigma: [0.15, 0.15] },
  gamma: { probability: 0.5, logGamma: [-0.5, 0.5] },
  biasField: { probability: 0.3, coefficient: 0.5, order: 3 },
} satisfies AugmentationConfig);

/** A fresh, mutable copy of the paper's configuration. */
export function defaultAugmentationConfig(): AugmentationConfig {
  return structuredClone(MEDCT_VLM_AUGMENTATION);
}

/** Augmentation switched off (evaluation, or training without it). */
export function disabledAugmentationConfig(): AugmentationConfig {
  return { ...defaultAugmentationConfig(), enabled: false };
}

const TRANSFORMS = [
  'rotation',
  'scaling',
  'translation',
  'elastic',
  'flip',
  'blur',
  'noise',
  'gamma',
  'biasField',
] as const;

/** The same ranges with every transform's probability set to `probability` (0: none, 1: all). */
export function withAllProbabilities(config: AugmentationConfig, probability: number): AugmentationConfig {
  const copy = structuredClone(config);
  for (const name of TRANSFORMS) copy[name].probability = probability;
  return copy;
}

/** Throws a UserError (INVALID_INPUT) naming the first value that makes no sense. */
export function assertAugmentationConfig(config: AugmentationConfig): void {
  const fail = (what: string): never => {
    throw new UserError('INVALID_INPUT', `Augmentation config: ${what}.`);
  };
  for (const name of TRANSFORMS) {
    const p = config[name].probability;
    if (!(p >= 0 && p <= 1)) fail(`${name}.probability must be in [0, 1], got ${p}`);
  }
  const range = (name: string, [low, high]: [number, number], min: number): void => {
    if (!(Number.isFinite(low) && Number.isFinite(high) && low >= min && low <= high)) {
      fail(`${name} must be [low, high] with ${min} <= low <= high, got [${low}, ${high}]`);
    }
  };
  const nonNegative = (name: string, value: number): void => {
    if (!(Number.isFinite(value) && value >= 0)) fail(`${name} must be a finite value >= 0, got ${value}`);
  };
  nonNegative('rotation.maxDegrees', config.rotation.maxDegrees);
  range('scaling.range', config.scaling.range, Number.MIN_VALUE);
  nonNegative('translation.maxMm', config.translation.maxMm);
  nonNegative('elastic.maxDisplacementMm', config.elastic.maxDisplacementMm);
  const { controlPoints, lockedBorders } = config.elastic;
  if (!(Number.isInteger(controlPoints) && controlPoints >= 4 && controlPoints <= 32)) {
    fail(`elastic.controlPoints must be an integer in [4, 32] (cubic B-spline), got ${controlPoints}`);
  }
  if (!(Number.isInteger(lockedBorders) && lockedBorders >= 0 && 2 * lockedBorders < controlPoints)) {
    fail(`elastic.lockedBorders must leave some control points free, got ${lockedBorders}`);
  }
  range('blur.sigmaVoxels', config.blur.sigmaVoxels, 0);
  range('noise.sigma', config.noise.sigma, 0);
  range('gamma.logGamma', config.gamma.logGamma, -Infinity);
  nonNegative('biasField.coefficient', config.biasField.coefficient);
  const { order } = config.biasField;
  if (!(Number.isInteger(order) && order >= 0 && order <= 6)) {
    fail(`biasField.order must be an integer in [0, 6], got ${order}`);
  }
}
