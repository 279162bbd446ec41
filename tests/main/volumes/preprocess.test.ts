import { describe, expect, it } from 'vitest';
import { BugError, UserError } from '../../../src/shared/errors';
import type { Preset } from '../../../src/main/volumes/preset-schema';
import { preprocess, type PreprocessedVolume } from '../../../src/main/volumes/preprocess';
import { BUILT_IN_PRESETS, CTCLIP_PRESET, MERLIN_PRESET, TINY_PRESET } from '../../../src/main/volumes/presets';
import { readVolume } from '../../../src/main/volumes/read-volume';
import { spacingOf, type Volume } from '../../../src/main/volumes/volume';
import { SHARED_FIXTURES } from '../../helpers/paths';

type Vec3 = [number, number, number];

const BONE_CENTRE: Vec3 = [20, -30, 15];
const BONE_RADIUS = 18;

function worldOf(affine: readonly number[], [i, j, k]: readonly number[]): Vec3 {
  const a = (n: number): number => affine[n] ?? NaN;
  return [0, 1, 2].map((row) => a(row * 4) * i! + a(row * 4 + 1) * j! + a(row * 4 + 2) * k! + a(row * 4 + 3)) as Vec3;
}

/**
 * A synthetic CT in RAS, centred on the world origin: -1024 HU outside the scan circle, air,
 * a soft-tissue body (40 HU plus a gradient) and a 1500 HU bone ball at BONE_CENTRE.
 */
function syntheticCt(dims: Vec3, spacing: Vec3): Volume {
  const [nx, ny, nz] = dims;
  const origin = dims.map((n, axis) => (-(n - 1) * spacing[axis]!) / 2);
  const affine = [spacing[0], 0, 0, origin[0]!, 0, spacing[1], 0, origin[1]!, 0, 0, spacing[2], origin[2]!, 0, 0, 0, 1];
  const data = new Int16Array(nx * ny * nz);
  const scanRadius = (Math.min(nx * spacing[0], ny * spacing[1]) / 2) * 0.95;
  for (let k = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1)
      for (let i = 0; i < nx; i += 1) {
        const [x, y, z] = worldOf(affine, [i, j, k]);
        let hu = -1024;
        if (Math.hypot(x, y) < scanRadius) hu = -1000;
        if ((x / (scanRadius * 0.8)) ** 2 + (y / (scanRadius * 0.6)) ** 2 < 1) hu = 40 + Math.round(z / 4);
        if (Math.hypot(x - BONE_CENTRE[0], y - BONE_CENTRE[1], z - BONE_CENTRE[2]) < BONE_RADIUS) hu = 1500;
        data[i + nx * (j + ny * k)] = hu;
      }
  return { data, dims, affine };
}

function expectSamePoint(a: Vec3, b: Vec3): void {
  a.forEach((value, axis) => expect(value).toBeCloseTo(b[axis]!, 9));
}

function range(data: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i += 1) {
    min = Math.min(min, data[i]!);
    max = Math.max(max, data[i]!);
  }
  return { min, max };
}

/** The spacing the reference code produces for an input axis of n voxels at `mm`. */
function expectedSpacing(preset: Preset, dims: Vec3, mm: Vec3): Vec3 {
  return [0, 1, 2].map((axis) => {
    const [n, old, target] = [dims[axis]!, mm[axis]!, preset.spacing.mm[axis]!];
    if (preset.spacing.grid === 'torch-resize') return (n / Math.floor((n * old) / target)) * old;
    if (axis === 2 && preset.depthSlices !== undefined) {
      const gridSize = Math.round(((n - 1) * old) / target + 1);
      return ((gridSize - 1) * target) / (preset.depthSlices - 1);
    }
    return target;
  }) as Vec3;
}

function expectShapeSpacingRange(out: PreprocessedVolume, preset: Preset, spacing: Vec3): void {
  expect(out.presetName).toBe(preset.name);
  expect(out.dims).toEqual(preset.output.size);
  expect(out.data.length).toBe(preset.output.size.reduce((a, b) => a * b, 1));
  spacingOf(out.affine).forEach((mm, axis) => expect(mm).toBeCloseTo(spacing[axis]!, 6));
  const { min, max } = range(out.data);
  const low = Math.min(...preset.intensity.outputRange, preset.output.padValue);
  const high = Math.max(...preset.intensity.outputRange, preset.output.padValue);
  expect(min).toBeGreaterThanOrEqual(low);
  expect(max).toBeLessThanOrEqual(high);
}

describe('preprocess', () => {
  const dims: Vec3 = [150, 130, 70];
  const mm: Vec3 = [1.6, 1.6, 3.5];
  const ct = syntheticCt(dims, mm);

  it.each(BUILT_IN_PRESETS.map((preset) => [preset.name, preset] as const))(
    '%s: output shape, spacing and value range on a synthetic CT',
    (_name, preset) => {
      const out = preprocess(ct, preset);
      expectShapeSpacingRange(out, preset, expectedSpacing(preset, dims, mm));
      // Air maps to the bottom of the output range, bone to the top (clipped at 1000 HU).
      const { min, max } = range(out.data);
      expect(max).toBeCloseTo(preset.intensity.outputRange[1], 5);
      expect(min).toBeCloseTo(Math.min(preset.intensity.outputRange[0], preset.output.padValue), 5);
    },
  );

  it('places the output over the CT: the bone ball stays at its world position', () => {
    for (const preset of [MERLIN_PRESET, CTCLIP_PRESET]) {
      const out = preprocess(ct, preset);
      const [nx, ny, nz] = out.dims;
      const bright = preset.intensity.outputRange[1] * 0.99;
      const sum: Vec3 = [0, 0, 0];
      let count = 0;
      for (let k = 0; k < nz; k += 1)
        for (let j = 0; j < ny; j += 1)
          for (let i = 0; i < nx; i += 1) {
            if ((out.data[i + nx * (j + ny * k)] ?? 0) < bright) continue;
            worldOf(out.affine, [i, j, k]).forEach((value, axis) => (sum[axis] = sum[axis]! + value));
            count += 1;
          }
      expect(count).toBeGreaterThan(100);
      sum.forEach((total, axis) => expect(Math.abs(total / count - BONE_CENTRE[axis]!)).toBeLessThan(1));
    }
  });

  it('keeps a world point’s value through crop and pad', () => {
    // Already on the tiny preset's grid: no interpolation, only the crop (x, z) and pad (y).
    const volume = syntheticCt([80, 50, 40], [6, 6, 10]);
    const out = preprocess(volume, TINY_PRESET);
    // x: crop from 8; y: pad 7 before; z: crop from 4.
    expectSamePoint(worldOf(out.affine, [0, 0, 0]), worldOf(volume.affine, [8, -7, 4]));
    const [nx, ny] = out.dims;
    for (const [i, j, k] of [
      [8, 7, 4],
      [40, 25, 20],
      [71, 49, 35],
      [45, 20, 17],
    ] as Vec3[]) {
      const hu = volume.data[i + 80 * (j + 50 * k)] ?? NaN;
      const expected = (Math.min(1000, Math.max(-1000, hu)) + 1000) / 2000;
      const o: Vec3 = [i - 8, j + 7, k - 4];
      expectSamePoint(worldOf(out.affine, o), worldOf(volume.affine, [i, j, k]));
      expect(out.data[o[0] + nx * (o[1] + ny * o[2])]).toBeCloseTo(expected, 6);
    }
    expect(out.data[10 + nx * (3 + ny * 10)]).toBe(TINY_PRESET.output.padValue); // padded row
  });

  it('resizes Merlin’s depth to exactly 160 slices, whatever the CT’s length', () => {
    for (const slices of [12, 90, 400]) {
      const volume = syntheticCt([24, 20, slices], [15, 15, 2]);
      const out = preprocess(volume, MERLIN_PRESET);
      expect(out.dims).toEqual([224, 224, 160]);
      // align_corners: the first and last slice centres are those of the 3 mm grid.
      const gridSlices = Math.round(((slices - 1) * 2) / 3 + 1);
      expect(worldOf(out.affine, [0, 0, 0])[2]).toBeCloseTo(worldOf(volume.affine, [0, 0, 0])[2], 9);
      expect(worldOf(out.affine, [0, 0, 159])[2]).toBeCloseTo(
        worldOf(volume.affine, [0, 0, 0])[2] + (gridSlices - 1) * 3,
        9,
      );
    }
  });

  it('refuses a volume that is not in RAS order, and one too thin for Merlin', () => {
    const flipped: Volume = { ...ct, affine: [-1.6, 0, 0, 100, 0, 1.6, 0, 0, 0, 0, 3.5, 0, 0, 0, 0, 1] };
    expect(() => preprocess(flipped, TINY_PRESET)).toThrow(BugError);
    const slab = syntheticCt([40, 40, 1], [1, 1, 1]);
    expect(() => preprocess(slab, MERLIN_PRESET)).toThrow(UserError);
    expect(() => preprocess(slab, MERLIN_PRESET)).toThrow(/needs a 3D CT/);
  });
});

describe('preprocess on a real CT (abdomen-stent-crop.nii.gz)', () => {
  it.each(BUILT_IN_PRESETS.map((preset) => [preset.name, preset] as const))(
    '%s: shape, spacing and range',
    async (_name, preset) => {
      const volume = await readVolume(`${SHARED_FIXTURES}/ct/abdomen-stent-crop.nii.gz`);
      const out = preprocess(volume, preset);
      expectShapeSpacingRange(out, preset, expectedSpacing(preset, volume.dims, spacingOf(volume.affine)));
      // The stent and vertebra are bright, the surroundings dark: the range is used.
      const { min, max } = range(out.data);
      expect(max - min).toBeGreaterThan(0.5 * (preset.intensity.outputRange[1] - preset.intensity.outputRange[0]));
    },
  );
});
