import { describe, expect, it } from 'vitest';
import { applyAugmentation } from '../../../../src/main/volumes/augment/apply-augmentation';
import {
  defaultAugmentationConfig,
  withAllProbabilities,
} from '../../../../src/main/volumes/augment/augmentation-config';
import {
  identityAugmentation,
  type AugmentationParams,
} from '../../../../src/main/volumes/augment/augmentation-params';
import { BSplineField, cubicBSplineBasis } from '../../../../src/main/volumes/augment/bspline-field';
import { sampleAugmentationAt } from '../../../../src/main/volumes/augment/sample-seed';
import { blobVolume, bytesOf, forEachVoxel, volumeFrom, type Vec3 } from './augment-test-volumes';

const DIMS: Vec3 = [40, 36, 30];
const SPACING: Vec3 = [1.2, 1, 1.5];

function elasticOnly(seed: number): AugmentationParams {
  const config = withAllProbabilities(defaultAugmentationConfig(), 0);
  config.elastic.probability = 1;
  return sampleAugmentationAt({ seed, epoch: 0, index: 0 }, config);
}

/**
 * The displacement (mm) the augmentation applied at each interior voxel, measured through the
 * image: on a ramp volume (value = voxel index along one axis) trilinear sampling is exact, so
 * output − index is the sampled position's offset along that axis.
 */
function measuredDisplacement(params: AugmentationParams): { at: Vec3[]; mm: Vec3[] } {
  const ramps = [0, 1, 2].map((axis) =>
    applyAugmentation(
      volumeFrom(DIMS, SPACING, (i, j, k) => [i, j, k][axis] as number),
      params,
    ),
  );
  const margin = SPACING.map((s) => Math.ceil(10 / s) + 1);
  const at: Vec3[] = [];
  const mm: Vec3[] = [];
  forEachVoxel(DIMS, (i, j, k, n) => {
    const index: Vec3 = [i, j, k];
    if (index.some((v, axis) => v < (margin[axis] ?? 0) || v >= (DIMS[axis] ?? 0) - (margin[axis] ?? 0))) return;
    at.push(index);
    mm.push(
      [0, 1, 2].map((axis) => ((ramps[axis]?.data[n] ?? NaN) - (index[axis] ?? NaN)) * (SPACING[axis] ?? NaN)) as Vec3,
    );
  });
  return { at, mm };
}

describe('cubic B-spline basis', () => {
  it('is a non-negative partition of unity', () => {
    for (let t = 0; t <= 1; t += 0.125) {
      const weights = cubicBSplineBasis(t);
      expect(weights.every((w) => w >= 0)).toBe(true);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(cubicBSplineBasis(0)).toEqual([1 / 6, 4 / 6, 1 / 6, 0]);
  });

  it('interpolates the control vectors smoothly: a constant grid gives a constant field', () => {
    const n = 7;
    const vectors = new Float64Array(3 * n ** 3);
    for (let p = 0; p < n ** 3; p += 1) vectors.set([1.5, -2, 0.25], 3 * p);
    const field = new BSplineField([9, 8, 7], n, vectors).dense();
    for (const value of field.x) expect(value).toBeCloseTo(1.5, 12);
    for (const value of field.y) expect(value).toBeCloseTo(-2, 12);
    for (const value of field.z) expect(value).toBeCloseTo(0.25, 12);
  });
});

describe('elastic deformation', () => {
  it('with zero control displacements is exactly the identity', () => {
    const input = blobVolume(DIMS, SPACING, [18, 20, 12], 4);
    const params = {
      ...identityAugmentation(),
      elastic: { controlPoints: 7, displacementMm: new Array(3 * 343).fill(0) },
    };
    expect(bytesOf(applyAugmentation(input, params).data).equals(bytesOf(input.data))).toBe(true);
  });

  it('moves voxels by at most 10 mm, and neighbouring voxels move alike (a smooth field)', () => {
    for (const seed of [1, 2, 3]) {
      const params = elasticOnly(seed);
      const { at, mm } = measuredDisplacement(params);
      const lengths = mm.map((u) => Math.hypot(...u));
      const longest = Math.max(...lengths);
      expect(longest).toBeLessThanOrEqual(10 + 1e-3);
      expect(longest).toBeGreaterThan(1); // it does deform

      // Neighbour differences along i, against a Lipschitz bound derived from the control grid:
      // |du/dx| <= max |c[a+1] − c[a]| / cell, cell = (n − 1) · spacing / 4.
      const field = params.elastic?.displacementMm ?? [];
      let steepest = 0;
      for (let c = 0; c < 7; c += 1) {
        for (let b = 0; b < 7; b += 1) {
          for (let a = 0; a < 6; a += 1) {
            for (let axis = 0; axis < 3; axis += 1) {
              const here = field[3 * (a + 7 * (b + 7 * c)) + axis] ?? 0;
              const next = field[3 * (a + 1 + 7 * (b + 7 * c)) + axis] ?? 0;
              steepest = Math.max(steepest, Math.abs(next - here));
            }
          }
        }
      }
      const cellMm = ((DIMS[0] - 1) * SPACING[0]) / 4;
      const bound = (steepest / cellMm) * SPACING[0];
      let largestStep = 0;
      let stepTotal = 0;
      let steps = 0;
      const indexOf = new Map(at.map((v, n) => [v.join(','), n]));
      at.forEach(([i, j, k], n) => {
        const right = indexOf.get([i + 1, j, k].join(','));
        if (right === undefined) return;
        const step = Math.max(
          ...[0, 1, 2].map((axis) => Math.abs((mm[right]?.[axis] ?? NaN) - (mm[n]?.[axis] ?? NaN))),
        );
        largestStep = Math.max(largestStep, step);
        stepTotal += step;
        steps += 1;
      });
      expect(largestStep).toBeLessThanOrEqual(bound + 1e-3);
      // On average a neighbour's displacement differs by far less than the displacement itself.
      const meanLength = lengths.reduce((a, b) => a + b, 0) / lengths.length;
      expect(stepTotal / steps).toBeLessThan(0.25 * meanLength);
    }
  });
});
