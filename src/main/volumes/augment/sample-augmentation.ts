/**
 * Draws one sample's augmentation parameters from a SeededRandom.
 *
 * Every transform's gate and values are drawn in a fixed order whether or not the transform is
 * applied, so changing one probability (or switching a transform off) leaves the values the
 * other transforms get for the same seed unchanged.
 */
import type { SeededRandom } from '../../../shared/seeded-random';
import { assertAugmentationConfig, type AugmentationConfig } from './augmentation-config';
import { biasFieldTermCount, identityAugmentation, type AugmentationParams } from './augmentation-params';

export function sampleAugmentation(random: SeededRandom, config: AugmentationConfig): AugmentationParams {
  assertAugmentationConfig(config);
  if (!config.enabled) return identityAugmentation();
  const gate = (probability: number): boolean => random.next() < probability;
  const between = ([low, high]: readonly [number, number]): number => random.uniform(low, high);

  const rotationOn = gate(config.rotation.probability);
  const maxDegrees = config.rotation.maxDegrees;
  const degrees: [number, number, number] = [
    random.uniform(-maxDegrees, maxDegrees),
    random.uniform(-maxDegrees, maxDegrees),
    random.uniform(-maxDegrees, maxDegrees),
  ];

  const scalingOn = gate(config.scaling.probability);
  const perAxis: [number, number, number] = [
    between(config.scaling.range),
    between(config.scaling.range),
    between(config.scaling.range),
  ];
  const factors: [number, number, number] = config.scaling.isotropic ? [perAxis[0], perAxis[0], perAxis[0]] : perAxis;

  const translationOn = gate(config.translation.probability);
  const direction = unitVector(random);
  const length = random.uniform(0, config.translation.maxMm);
  const mm: [number, number, number] = [direction[0] * length, direction[1] * length, direction[2] * length];

  const elasticOn = gate(config.elastic.probability);
  const displacementMm = sampleControlDisplacements(random, config.elastic);

  const flipLeftRight = gate(config.flip.probability) && config.flip.leftRight;
  const flipAnteriorPosterior = gate(config.flip.probability) && config.flip.anteriorPosterior;

  const blurOn = gate(config.blur.probability);
  const sigmaVoxels: [number, number, number] = [
    between(config.blur.sigmaVoxels),
    between(config.blur.sigmaVoxels),
    between(config.blur.sigmaVoxels),
  ];

  const noiseOn = gate(config.noise.probability);
  const noiseSigma = between(config.noise.sigma);
  const noiseSeed = Math.floor(random.next() * 0x100000000);

  const gammaOn = gate(config.gamma.probability);
  const logGamma = between(config.gamma.logGamma);

  const biasOn = gate(config.biasField.probability);
  const { coefficient, order } = config.biasField;
  const coefficients = Array.from({ length: biasFieldTermCount(order) }, () =>
    random.uniform(-coefficient, coefficient),
  );

  return {
    rotation: rotationOn ? { degrees } : null,
    scaling: scalingOn ? { factors } : null,
    translation: translationOn ? { mm } : null,
    elastic: elasticOn ? { controlPoints: config.elastic.controlPoints, displacementMm } : null,
    flip: { leftRight: flipLeftRight, anteriorPosterior: flipAnteriorPosterior },
    gamma: gammaOn ? { logGamma } : null,
    biasField: biasOn ? { order, coefficients } : null,
    blur: blurOn ? { sigmaVoxels } : null,
    noise: noiseOn ? { sigma: noiseSigma, seed: noiseSeed } : null,
  };
}

/** Uniform on the unit sphere (normalised Gaussian vector). */
function unitVector(random: SeededRandom): [number, number, number] {
  for (;;) {
    const x = random.normal();
    const y = random.normal();
    const z = random.normal();
    const norm = Math.hypot(x, y, z);
    if (norm > 1e-9) return [x / norm, y / norm, z / norm];
  }
}

/**
 * `controlPoints`³ vectors, each uniform in a ball of radius `maxDisplacementMm`; the outer
 * `lockedBorders` layers on every side are zero (drawn anyway, to keep the draw count fixed).
 */
function sampleControlDisplacements(random: SeededRandom, elastic: AugmentationConfig['elastic']): number[] {
  const n = elastic.controlPoints;
  const locked = elastic.lockedBorders;
  const free = (index: number): boolean => index >= locked && index < n - locked;
  const out = new Array<number>(3 * n * n * n).fill(0);
  for (let c = 0; c < n; c += 1) {
    for (let b = 0; b < n; b += 1) {
      for (let a = 0; a < n; a += 1) {
        const direction = unitVector(random);
        const radius = elastic.maxDisplacementMm * Math.cbrt(random.next());
        if (!(free(a) && free(b) && free(c))) continue;
        const at = 3 * (a + n * (b + n * c));
        out[at] = direction[0] * radius;
        out[at + 1] = direction[1] * radius;
        out[at + 2] = direction[2] * radius;
      }
    }
  }
  return out;
}
