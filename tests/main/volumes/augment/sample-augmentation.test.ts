import { describe, expect, it } from 'vitest';
import {
  defaultAugmentationConfig,
  MEDCT_VLM_AUGMENTATION,
  withAllProbabilities,
} from '../../../../src/main/volumes/augment/augmentation-config';
import {
  parseAugmentationParams,
  type AugmentationParams,
} from '../../../../src/main/volumes/augment/augmentation-params';
import { sampleAugmentation } from '../../../../src/main/volumes/augment/sample-augmentation';
import { UserError } from '../../../../src/shared/errors';
import { SeededRandom } from '../../../../src/shared/seeded-random';

function sampleMany(count: number, config = defaultAugmentationConfig(), seed = 1): AugmentationParams[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => sampleAugmentation(random, config));
}

describe('sampleAugmentation', () => {
  it("defaults to MedCT-VLM Table 2's probabilities and ranges", () => {
    const c = MEDCT_VLM_AUGMENTATION;
    expect([c.rotation.probability, c.rotation.maxDegrees]).toEqual([0.9, 15]);
    expect([c.scaling.probability, c.scaling.range]).toEqual([0.9, [0.9, 1.1]]);
    expect([c.translation.probability, c.translation.maxMm]).toEqual([0.9, 10]);
    expect([c.elastic.probability, c.elastic.controlPoints, c.elastic.maxDisplacementMm]).toEqual([0.7, 7, 10]);
    expect(c.flip).toEqual({ probability: 0.5, leftRight: true, anteriorPosterior: true });
    expect([c.blur.probability, c.blur.sigmaVoxels]).toEqual([0.5, [0.5, 1.5]]);
    expect([c.noise.probability, c.noise.sigma]).toEqual([0.5, [0.15, 0.15]]);
    expect([c.gamma.probability, c.gamma.logGamma]).toEqual([0.5, [-0.5, 0.5]]);
    expect([c.biasField.probability, c.biasField.coefficient]).toEqual([0.3, 0.5]);
  });

  it('applies each transform about as often as its probability says', () => {
    const samples = sampleMany(4000);
    const rate = (on: (p: AugmentationParams) => boolean): number => samples.filter(on).length / samples.length;
    expect(rate((p) => p.rotation !== null)).toBeCloseTo(0.9, 1);
    expect(rate((p) => p.scaling !== null)).toBeCloseTo(0.9, 1);
    expect(rate((p) => p.translation !== null)).toBeCloseTo(0.9, 1);
    expect(rate((p) => p.elastic !== null)).toBeCloseTo(0.7, 1);
    expect(rate((p) => p.flip.leftRight)).toBeCloseTo(0.5, 1);
    expect(rate((p) => p.flip.anteriorPosterior)).toBeCloseTo(0.5, 1);
    expect(rate((p) => p.blur !== null)).toBeCloseTo(0.5, 1);
    expect(rate((p) => p.noise !== null)).toBeCloseTo(0.5, 1);
    expect(rate((p) => p.gamma !== null)).toBeCloseTo(0.5, 1);
    expect(rate((p) => p.biasField !== null)).toBeCloseTo(0.3, 1);
  });

  it('keeps every value inside its configured range', () => {
    for (const p of sampleMany(500, withAllProbabilities(defaultAugmentationConfig(), 1))) {
      for (const angle of p.rotation?.degrees ?? []) expect(Math.abs(angle)).toBeLessThanOrEqual(15);
      const factors = p.scaling?.factors ?? [];
      expect(new Set(factors).size).toBe(1); // isotropic
      for (const f of factors) expect(f >= 0.9 && f <= 1.1).toBe(true);
      expect(Math.hypot(...(p.translation?.mm ?? [0]))).toBeLessThanOrEqual(10 + 1e-9);
      const field = p.elastic?.displacementMm ?? [];
      expect(field.length).toBe(3 * 7 ** 3);
      let longest = 0;
      for (let at = 0; at < field.length; at += 3) {
        longest = Math.max(longest, Math.hypot(field[at] ?? 0, field[at + 1] ?? 0, field[at + 2] ?? 0));
      }
      expect(longest).toBeLessThanOrEqual(10 + 1e-9);
      for (const sigma of p.blur?.sigmaVoxels ?? []) expect(sigma >= 0.5 && sigma <= 1.5).toBe(true);
      expect(p.noise?.sigma).toBe(0.15);
      expect(Math.abs(p.gamma?.logGamma ?? 9)).toBeLessThanOrEqual(0.5);
      expect(p.biasField?.coefficients.length).toBe(20); // order 3
      for (const c of p.biasField?.coefficients ?? []) expect(Math.abs(c)).toBeLessThanOrEqual(0.5);
    }
  });

  it('locks the two outer control layers of the elastic grid at zero and moves the inner ones', () => {
    const [p] = sampleMany(1, withAllProbabilities(defaultAugmentationConfig(), 1));
    const field = p?.elastic?.displacementMm ?? [];
    let innerMoved = 0;
    for (let c = 0; c < 7; c += 1) {
      for (let b = 0; b < 7; b += 1) {
        for (let a = 0; a < 7; a += 1) {
          const at = 3 * (a + 7 * (b + 7 * c));
          const length = Math.hypot(field[at] ?? NaN, field[at + 1] ?? NaN, field[at + 2] ?? NaN);
          const inner = [a, b, c].every((index) => index >= 2 && index <= 4);
          if (inner) innerMoved += length > 0 ? 1 : 0;
          else expect(length).toBe(0);
        }
      }
    }
    expect(innerMoved).toBe(27);
  });

  it('draws the same values for the other transforms when one probability changes', () => {
    const base = withAllProbabilities(defaultAugmentationConfig(), 1);
    const noRotation = { ...base, rotation: { ...base.rotation, probability: 0 } };
    const a = sampleAugmentation(new SeededRandom(9), base);
    const b = sampleAugmentation(new SeededRandom(9), noRotation);
    expect(b.rotation).toBeNull();
    expect({ ...b, rotation: a.rotation }).toEqual(a);
  });

  it('honours disabled flip axes', () => {
    const config = withAllProbabilities(defaultAugmentationConfig(), 1);
    config.flip.anteriorPosterior = false;
    for (const p of sampleMany(50, config)) expect(p.flip).toEqual({ leftRight: true, anteriorPosterior: false });
  });

  it('rejects a config with a probability outside [0, 1]', () => {
    const config = defaultAugmentationConfig();
    config.noise.probability = 1.5;
    expect(() => sampleAugmentation(new SeededRandom(1), config)).toThrow(/noise\.probability/);
  });
});

describe('parseAugmentationParams', () => {
  it('round-trips sampled params through JSON', () => {
    for (const p of sampleMany(20, withAllProbabilities(defaultAugmentationConfig(), 1))) {
      expect(parseAugmentationParams(JSON.parse(JSON.stringify(p)))).toEqual(p);
    }
  });

  it('refuses a superior–inferior flip and malformed fields', () => {
    const [p] = sampleMany(1);
    const withSuperiorInferior = { ...p, flip: { leftRight: true, anteriorPosterior: false, superiorInferior: true } };
    expect(() => parseAugmentationParams(withSuperiorInferior)).toThrow(UserError);
    expect(() => parseAugmentationParams({ ...p, elastic: { controlPoints: 7, displacementMm: [1, 2] } })).toThrow(
      /elastic/,
    );
    expect(() => parseAugmentationParams({ ...p, biasField: { order: 3, coefficients: [0.1] } })).toThrow(
      /20 coefficients/,
    );
  });
});
