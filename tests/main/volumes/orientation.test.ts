import { describe, expect, it } from 'vitest';
import { isCanonicalRas, nearestAxes, toCanonicalRas } from '../../../src/main/volumes/orientation';
import type { Volume } from '../../../src/main/volumes/volume';
import { storeReoriented, worldOf } from '../../helpers/volume-reorient';

/** A 5x4x3 volume whose voxel value is its own index, RAS, 2 x 3 x 4 mm, origin (10, 20, 30). */
function indexedVolume(type: 'int16' | 'float32' = 'int16'): Volume {
  const dims: [number, number, number] = [5, 4, 3];
  const data = type === 'int16' ? new Int16Array(60) : new Float32Array(60);
  data.forEach((_, i) => (data[i] = type === 'int16' ? i : i + 0.5));
  return { data, dims, affine: [2, 0, 0, 10, 0, 3, 0, 20, 0, 0, 4, 30, 0, 0, 0, 1] };
}

function indexOf(dims: readonly number[], flat: number): [number, number, number] {
  const nx = dims[0] ?? 1;
  const ny = dims[1] ?? 1;
  return [flat % nx, Math.floor(flat / nx) % ny, Math.floor(flat / (nx * ny))];
}

/** Every voxel of `moved` sits where the voxel it came from (its value is that voxel's index) sat in `original`. */
function expectSameWorldPositions(moved: Volume, original: Volume): void {
  for (let flat = 0; flat < moved.data.length; flat += 1) {
    const originalFlat = Math.floor(moved.data[flat] ?? NaN);
    const here = worldOf(moved.affine, indexOf(moved.dims, flat));
    const there = worldOf(original.affine, indexOf(original.dims, originalFlat));
    here.forEach((v, axis) => expect(v).toBeCloseTo(there[axis] ?? NaN, 9));
  }
}

const PERMUTATIONS: [number, number, number][] = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];
const FLIPS: [boolean, boolean, boolean][] = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => [
  (bits & 1) === 1,
  (bits & 2) === 2,
  (bits & 4) === 4,
]);

describe('toCanonicalRas', () => {
  it('undoes all 48 axis permutations and flips, exactly, keeping every voxel in place', () => {
    const original = indexedVolume();
    for (const axes of PERMUTATIONS) {
      for (const flips of FLIPS) {
        const stored = storeReoriented(original, axes, flips);
        const canonical = toCanonicalRas(stored);
        expect(canonical.dims, `${axes.join()} ${flips.join()}`).toEqual(original.dims);
        expect(Array.from(canonical.data)).toEqual(Array.from(original.data));
        canonical.affine.forEach((v, i) => expect(v).toBeCloseTo(original.affine[i] ?? NaN, 9));
        expectSameWorldPositions(stored, original); // the test helper stores each voxel where it was
        expectSameWorldPositions(canonical, original);
      }
    }
  });

  it('keeps the voxel type and leaves its input untouched', () => {
    const original = indexedVolume('float32');
    const stored = storeReoriented(original, [2, 0, 1], [true, false, true]);
    const before = { data: Float32Array.from(stored.data), affine: [...stored.affine], dims: [...stored.dims] };
    const canonical = toCanonicalRas(stored);
    expect(canonical.data).toBeInstanceOf(Float32Array);
    expect(canonical.data).toEqual(original.data);
    expect(stored.data).toEqual(before.data);
    expect(stored.affine).toEqual(before.affine);
    expect(stored.dims).toEqual(before.dims);
  });

  it('returns a canonical volume as it is, sharing its data', () => {
    const original = indexedVolume();
    const canonical = toCanonicalRas(original);
    expect(canonical.data).toBe(original.data);
    expect(canonical.affine).toEqual(original.affine);
    expect(isCanonicalRas(original.affine)).toBe(true);
  });

  it('assigns each axis of an oblique LPS scan to its nearest world axis', () => {
    // DICOM-like: i towards Left, j towards Posterior, rotated 25 degrees about z, tilted 10 about x.
    const [a, b] = [(25 * Math.PI) / 180, (10 * Math.PI) / 180];
    const rotation = [
      [Math.cos(a), -Math.sin(a), 0],
      [Math.sin(a) * Math.cos(b), Math.cos(a) * Math.cos(b), -Math.sin(b)],
      [Math.sin(a) * Math.sin(b), Math.cos(a) * Math.sin(b), Math.cos(b)],
    ];
    const lps = [-1, -1, 1];
    const affine: number[] = [];
    for (let row = 0; row < 3; row += 1) {
      for (let col = 0; col < 3; col += 1) affine.push((lps[col] ?? 1) * (rotation[row]?.[col] ?? 0) * 0.7);
      affine.push([100, -50, 12][row] ?? 0);
    }
    affine.push(0, 0, 0, 1);
    const stored: Volume = { ...indexedVolume(), affine };
    expect(nearestAxes(affine)).toEqual({ source: [0, 1, 2], flip: [true, true, false] });

    const canonical = toCanonicalRas(stored);
    expect(isCanonicalRas(canonical.affine)).toBe(true);
    for (let col = 0; col < 3; col += 1) expect(canonical.affine[col * 4 + col]).toBeGreaterThan(0);
    expectSameWorldPositions(canonical, stored);
  });

  it('finds a sagittal stack (i = A->P, j = S->I, k = L->R) and turns it into RAS', () => {
    const affine = [0, 0, 1, -80, -0.5, 0, 0, 90, 0, -0.5, 0, 60, 0, 0, 0, 1];
    expect(nearestAxes(affine)).toEqual({ source: [2, 0, 1], flip: [false, true, true] });
    const stored: Volume = { ...indexedVolume(), affine };
    const canonical = toCanonicalRas(stored);
    expect(canonical.dims).toEqual([3, 5, 4]);
    expect(canonical.affine.slice(0, 12)).toEqual([1, 0, 0, -80, 0, 0.5, 0, 90 - 0.5 * 4, 0, 0, 0.5, 60 - 0.5 * 3]);
    expectSameWorldPositions(canonical, stored);
  });
});
