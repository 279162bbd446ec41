import { describe, expect, it } from 'vitest';
import { invertAffine, multiplyAffines } from '../../../src/main/volumes/affine-inverse';
import { featureMapToGrid, peakOf } from '../../../src/main/volumes/feature-map-to-grid';

const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

describe('featureMapToGrid', () => {
  it('returns the map itself when the map, the input and the target share one grid', () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const grid = { dims: [2, 2, 2] as const, affine: identity };
    expect(Array.from(featureMapToGrid({ values, dims: [2, 2, 2] }, grid, grid))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('upsamples like F.interpolate(align_corners=False): half-voxel offsets, clamped at the border', () => {
    // 2 feature voxels over 4 input voxels: input i sits at feature (i + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25.
    const map = { values: Float32Array.from([10, 20]), dims: [2, 1, 1] as const };
    const grid = { dims: [4, 1, 1] as const, affine: identity };
    expect(Array.from(featureMapToGrid(map, grid, grid))).toEqual([10, 12.5, 17.5, 20]);
  });

  it('follows world coordinates: a target stored with x flipped gets the map mirrored', () => {
    const map = { values: Float32Array.from([1, 2, 3, 4]), dims: [4, 1, 1] as const };
    const input = { dims: [4, 1, 1] as const, affine: identity };
    // The target's voxel i lies at world x = 3 − i (an LAS-like file).
    const flipped = { dims: [4, 1, 1] as const, affine: [-1, 0, 0, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
    expect(Array.from(featureMapToGrid(map, input, flipped))).toEqual([4, 3, 2, 1]);
  });

  it('samples a finer target grid and leaves voxels outside the preprocessed field of view at 0', () => {
    const map = { values: Float32Array.from([0, 8]), dims: [2, 1, 1] as const };
    const input = { dims: [2, 1, 1] as const, affine: [4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] }; // 4 mm voxels at x = 0, 4
    // Target: 1 mm voxels from x = −4 to 9; the input covers x in [−2, 6].
    const target = { dims: [14, 1, 1] as const, affine: [1, 0, 0, -4, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
    const out = Array.from(featureMapToGrid(map, input, target));
    expect(out.slice(0, 2)).toEqual([0, 0]); // x = −4, −3: outside
    // x = −2 … 6 (t = 2 … 10): input coordinate (x / 4) = feature coordinate, clamped to [0, 1].
    expect(out.slice(2, 11)).toEqual([0, 0, 0, 2, 4, 6, 8, 8, 8]);
    expect(out.slice(11)).toEqual([0, 0, 0]); // x = 7, 8, 9: outside
  });
});

describe('peakOf', () => {
  it('finds the largest voxel and the slice of largest mean along each axis', () => {
    const values = new Float32Array(3 * 2 * 2);
    values[1 + 3 * (1 + 2 * 1)] = 5; // voxel (1, 1, 1)
    values[2] = 1; // voxel (2, 0, 0)
    const peak = peakOf(values, [3, 2, 2]);
    expect(peak.voxel).toEqual([1, 1, 1]);
    expect(peak.value).toBe(5);
    expect(peak.slices).toEqual([1, 1, 1]);
  });
});

describe('invertAffine', () => {
  it('inverts an oblique affine with a translation', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const affine = [0.7 * c, -0.7 * s, 0, 12, 0.7 * s, 0.7 * c, 0, -40, 0, 0, 2.5, 100, 0, 0, 0, 1];
    const product = multiplyAffines(invertAffine(affine), affine);
    product.forEach((value, i) => expect(value).toBeCloseTo(identity[i] ?? 0, 12));
  });

  it('refuses a degenerate affine', () => {
    expect(() => invertAffine([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])).toThrow(/cannot be inverted/);
  });
});
