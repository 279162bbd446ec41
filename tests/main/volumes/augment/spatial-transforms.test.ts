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
import { sampleAugmentationAt } from '../../../../src/main/volumes/augment/sample-seed';
import {
  blobVolume,
  bytesOf,
  centreOf,
  centroid,
  emptyVolume,
  forEachVoxel,
  sumOf,
  volumeFrom,
  type Vec3,
} from './augment-test-volumes';

function withParams(overrides: Partial<AugmentationParams>): AugmentationParams {
  return { ...identityAugmentation(), ...overrides };
}

describe('flips', () => {
  it('never flips superior–inferior: a marker near the top stays in the upper half over 200 augmentations', () => {
    const dims: Vec3 = [28, 28, 48];
    const spacing: Vec3 = [1.5, 1.5, 2];
    // A bright 5×5×3 block at k = 39…41 (33 mm above the centre); background 0.
    const input = emptyVolume(dims, spacing);
    forEachVoxel(dims, (i, j, k, n) => {
      if (Math.abs(i - 13.5) < 2.5 && Math.abs(j - 13.5) < 2.5 && k >= 39 && k <= 41) input.data[n] = 10;
    });
    expect(centroid(input, 1)[2]).toBeCloseTo(40, 6);
    const allOn = withAllProbabilities(defaultAugmentationConfig(), 1);
    let flippedInPlane = 0;
    for (let index = 0; index < 200; index += 1) {
      const params = sampleAugmentationAt({ seed: 11, epoch: 0, index }, allOn);
      expect(Object.keys(params.flip).sort()).toEqual(['anteriorPosterior', 'leftRight']);
      if (params.flip.leftRight || params.flip.anteriorPosterior) flippedInPlane += 1;
      const k = centroid(applyAugmentation(input, params), 1)[2];
      expect(k).toBeGreaterThan((dims[2] - 1) / 2 + 2);
    }
    expect(flippedInPlane).toBe(200); // with probability 1, both allowed axes flip every time
  });

  it('a left–right flip moves a marker from the right half to the left half, and nothing else', () => {
    const dims: Vec3 = [20, 16, 12];
    const input = blobVolume(dims, [0.8, 1, 2.5], [15, 5, 9], 1.5);
    const output = applyAugmentation(input, withParams({ flip: { leftRight: true, anteriorPosterior: false } }));
    const [i, j, k] = centroid(output);
    const [i0, j0, k0] = centroid(input);
    expect(i0).toBeGreaterThan(10);
    expect(i).toBeLessThan(10);
    expect(i).toBeCloseTo(19 - i0, 4);
    expect(j).toBeCloseTo(j0, 4);
    expect(k).toBeCloseTo(k0, 4);
    // Voxel for voxel, exactly the mirror image along i.
    forEachVoxel(dims, (x, y, z, n) => {
      expect(output.data[n]).toBe(input.data[19 - x + 20 * (y + 16 * z)]);
    });
  });

  it('an anterior–posterior flip moves a marker along j only', () => {
    const dims: Vec3 = [20, 16, 12];
    const input = blobVolume(dims, [0.8, 1, 2.5], [15, 4, 9], 1.5);
    const output = applyAugmentation(input, withParams({ flip: { leftRight: false, anteriorPosterior: true } }));
    const [i, j, k] = centroid(output);
    const [i0, j0, k0] = centroid(input);
    expect(j).toBeCloseTo(15 - j0, 4);
    expect(j).toBeGreaterThan(8);
    expect(i).toBeCloseTo(i0, 4);
    expect(k).toBeCloseTo(k0, 4);
  });
});

describe('rotation, scaling and translation', () => {
  it('rotates +15° about z (from Right towards Anterior), in millimetres on an anisotropic grid', () => {
    const dims: Vec3 = [64, 48, 8];
    const spacing: Vec3 = [0.8, 1.2, 3];
    const centre = centreOf(dims);
    const radiusMm = 20;
    const input = blobVolume(dims, spacing, [centre[0] + radiusMm / spacing[0], centre[1], 3.5], 2);
    const output = applyAugmentation(input, withParams({ rotation: { degrees: [0, 0, 15] } }));
    const [i, j, k] = centroid(output);
    const angle = (15 * Math.PI) / 180;
    const expected: Vec3 = [
      centre[0] + (radiusMm * Math.cos(angle)) / spacing[0],
      centre[1] + (radiusMm * Math.sin(angle)) / spacing[1],
      3.5,
    ];
    expect(Math.abs(i - expected[0])).toBeLessThan(1);
    expect(Math.abs(j - expected[1])).toBeLessThan(1);
    expect(Math.abs(k - expected[2])).toBeLessThan(0.05);
    const measured = Math.atan2((j - centre[1]) * spacing[1], (i - centre[0]) * spacing[0]);
    expect((measured * 180) / Math.PI).toBeCloseTo(15, 0);
  });

  it('scaling by 1.1 enlarges a sphere’s radius by about 10%', () => {
    const dims: Vec3 = [48, 48, 40];
    const spacing: Vec3 = [1, 1, 1.25];
    const c = centreOf(dims);
    // Antialiased sphere of radius 10 mm: its intensity sum is its volume in voxels.
    const sphere = volumeFrom(dims, spacing, (i, j, k) => {
      const r = Math.hypot((i - c[0]) * spacing[0], (j - c[1]) * spacing[1], (k - c[2]) * spacing[2]);
      return Math.min(1, Math.max(0, 10.5 - r));
    });
    const scaled = applyAugmentation(sphere, withParams({ scaling: { factors: [1.1, 1.1, 1.1] } }));
    const ratio = Math.cbrt(sumOf(scaled.data) / sumOf(sphere.data));
    expect(ratio).toBeGreaterThan(1.08);
    expect(ratio).toBeLessThan(1.12);
    const shrunk = applyAugmentation(sphere, withParams({ scaling: { factors: [0.9, 0.9, 0.9] } }));
    expect(Math.cbrt(sumOf(shrunk.data) / sumOf(sphere.data))).toBeCloseTo(0.9, 1);
  });

  it('translating by 10 mm shifts a marker by 10 mm / spacing voxels along each axis', () => {
    const dims: Vec3 = [30, 40, 24];
    const spacing: Vec3 = [2, 1, 2.5];
    const input = blobVolume(dims, spacing, [14, 24, 11], 2.5);
    const output = applyAugmentation(input, withParams({ translation: { mm: [10, -10, 10] } }));
    const before = centroid(input);
    const after = centroid(output);
    expect(after[0] - before[0]).toBeCloseTo(5, 3);
    expect(after[1] - before[1]).toBeCloseTo(-10, 3);
    expect(after[2] - before[2]).toBeCloseTo(4, 3);
  });

  it('pads with the volume minimum where the transform samples outside the input', () => {
    const dims: Vec3 = [12, 10, 8];
    const input = volumeFrom(dims, [1, 1, 1], () => 0.25);
    input.data[0] = -1; // the minimum
    const output = applyAugmentation(input, withParams({ translation: { mm: [5, 0, 0] } }));
    // Columns i < 5 now come from outside the volume.
    expect(output.data[2 + 12 * (5 + 10 * 4)]).toBe(-1);
    expect(output.data[8 + 12 * (5 + 10 * 4)]).toBeCloseTo(0.25, 6);
  });

  it('composes everything into one pass: the same params give the same bytes whatever else is off', () => {
    const dims: Vec3 = [24, 20, 16];
    const input = blobVolume(dims, [1, 1, 2], [12, 8, 9], 3);
    const params = withParams({
      rotation: { degrees: [5, -7, 12] },
      scaling: { factors: [1.05, 1.05, 1.05] },
      translation: { mm: [3, -2, 4] },
      flip: { leftRight: true, anteriorPosterior: true },
    });
    expect(bytesOf(applyAugmentation(input, params).data).equals(bytesOf(applyAugmentation(input, params).data))).toBe(
      true,
    );
    // Rotation then flip equals flip of the rotated volume when done in one pass (no double blur):
    const flippedOnly = applyAugmentation(
      applyAugmentation(input, { ...params, flip: { leftRight: false, anteriorPosterior: false } }),
      withParams({ flip: { leftRight: true, anteriorPosterior: true } }),
    );
    const onePass = applyAugmentation(input, params);
    let maxDifference = 0;
    for (let n = 0; n < onePass.data.length; n += 1) {
      maxDifference = Math.max(maxDifference, Math.abs((onePass.data[n] as number) - (flippedOnly.data[n] as number)));
    }
    expect(maxDifference).toBeLessThan(1e-5);
  });
});
