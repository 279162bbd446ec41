import { describe, expect, it } from 'vitest';
import { cropOrPadVolume } from '../../../src/main/volumes/crop-pad';
import { resampleData, resampleVolume, type AxisMaps, type Dims } from '../../../src/main/volumes/resample';
import {
  alignCornersAxis,
  identityAxis,
  monaiSpacingAxis,
  torchResizeAxis,
  type AxisMap,
} from '../../../src/main/volumes/resample-grid';
import { SeededRandom } from '../../../src/shared/seeded-random';

type Vec3 = [number, number, number];

function worldOf(affine: readonly number[], [i, j, k]: Vec3): Vec3 {
  const a = (n: number): number => affine[n] ?? NaN;
  return [0, 1, 2].map((row) => a(row * 4) * i + a(row * 4 + 1) * j + a(row * 4 + 2) * k + a(row * 4 + 3)) as Vec3;
}

/** A rotated (oblique) grid: 0.7 x 0.8 x 1.25 mm, turned 0.2 rad about z, origin off zero. */
function obliqueAffine(): number[] {
  const [c, s] = [Math.cos(0.2), Math.sin(0.2)];
  return [0.7 * c, -0.8 * s, 0, -12.5, 0.7 * s, 0.8 * c, 0, 30, 0, 0, 1.25, -80, 0, 0, 0, 1];
}

/** f(x, y, z) = 2x + 3y - 1.5z + 7 sampled at every voxel's world position. */
function linearRamp(dims: Dims, affine: number[]): Float32Array {
  const [nx, ny, nz] = dims;
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1)
      for (let i = 0; i < nx; i += 1) data[i + nx * (j + ny * k)] = ramp(worldOf(affine, [i, j, k]));
  return data;
}

function ramp([x, y, z]: Vec3): number {
  return 2 * x + 3 * y - 1.5 * z + 7;
}

/** Trilinear interpolation the textbook way (eight neighbours), for comparison. */
function naiveTrilinear(data: ArrayLike<number>, dims: Dims, position: Vec3): number {
  const [nx, ny] = dims;
  const lower = position.map((p, axis) => Math.min(Math.floor(p), dims[axis]! - 1));
  const frac = position.map((p, axis) => p - lower[axis]!);
  let sum = 0;
  for (let corner = 0; corner < 8; corner += 1) {
    const offset = [corner & 1, (corner >> 1) & 1, (corner >> 2) & 1];
    const index = offset.map((o, axis) => Math.min(lower[axis]! + o, dims[axis]! - 1));
    const weight = offset.reduce((w, o, axis) => w * (o ? frac[axis]! : 1 - frac[axis]!), 1);
    sum += weight * (data[index[0]! + nx * (index[1]! + ny * index[2]!)] ?? NaN);
  }
  return sum;
}

function sourcePosition(maps: AxisMaps, dims: Dims, [i, j, k]: Vec3): Vec3 {
  return [i, j, k].map((o, axis) => {
    const map = maps[axis]!;
    return Math.min(dims[axis]! - 1, Math.max(0, map.start + map.step * o));
  }) as Vec3;
}

describe('trilinear resampling', () => {
  it('reproduces a linear function exactly on an oblique grid (and the affine places it right)', () => {
    const dims: Dims = [23, 19, 17];
    const affine = obliqueAffine();
    const volume = { data: linearRamp(dims, affine), dims, affine };
    const maps: AxisMaps = [
      monaiSpacingAxis(23, 0.7, 1.5),
      monaiSpacingAxis(19, 0.8, 0.5),
      monaiSpacingAxis(17, 1.25, 3),
    ];
    const out = resampleVolume(volume, maps);
    expect(out.dims).toEqual([11, 30, 8]);
    let checked = 0;
    for (let k = 0; k < out.dims[2]; k += 1)
      for (let j = 0; j < out.dims[1]; j += 1)
        for (let i = 0; i < out.dims[0]; i += 1) {
          // Beyond the last input voxel the border is repeated: a ramp is only linear inside.
          const inside = [i, j, k].every((o, axis) => maps[axis]!.start + maps[axis]!.step * o <= dims[axis]! - 1);
          if (!inside) continue;
          const value = out.data[i + out.dims[0] * (j + out.dims[1] * k)] ?? NaN;
          expect(value).toBeCloseTo(ramp(worldOf(out.affine, [i, j, k])), 3);
          checked += 1;
        }
    expect(checked).toBeGreaterThan(1500);
  });

  it('is the identity when the spacing does not change', () => {
    const dims: Dims = [9, 7, 5];
    const random = new SeededRandom(3);
    const data = Int16Array.from({ length: 9 * 7 * 5 }, () => Math.round(random.uniform(-1024, 3000)));
    const affine = [0.8, 0, 0, 10, 0, 0.8, 0, -20, 0, 0, 2.5, 30, 0, 0, 0, 1];
    const maps: AxisMaps = [
      monaiSpacingAxis(9, 0.8, 0.8),
      monaiSpacingAxis(7, 0.8, 0.8),
      monaiSpacingAxis(5, 2.5, 2.5),
    ];
    const out = resampleVolume({ data, dims, affine }, maps);
    expect(out.dims).toEqual(dims);
    expect(out.affine).toEqual(affine);
    expect(Array.from(out.data)).toEqual(Array.from(data));
  });

  it('matches textbook eight-neighbour trilinear interpolation, borders included', () => {
    const dims: Dims = [13, 11, 9];
    const random = new SeededRandom(11);
    const data = Float32Array.from({ length: 13 * 11 * 9 }, () => random.uniform(-1000, 1000));
    const maps: AxisMaps = [torchResizeAxis(13, 1, 0.6), monaiSpacingAxis(11, 1, 1.7), alignCornersAxis(9, 14)];
    const out = resampleData(data, dims, maps);
    const outDims: Vec3 = [maps[0].size, maps[1].size, maps[2].size];
    for (let k = 0; k < outDims[2]; k += 1)
      for (let j = 0; j < outDims[1]; j += 1)
        for (let i = 0; i < outDims[0]; i += 1) {
          const expected = naiveTrilinear(data, dims, sourcePosition(maps, dims, [i, j, k]));
          expect(out[i + outDims[0] * (j + outDims[1] * k)]).toBeCloseTo(expected, 2);
        }
  });

  it('clips before interpolating when asked (CT-CLIP), after it otherwise (MONAI)', () => {
    // Two slices, -3000 HU then 1000 HU; the output slice lies halfway between them.
    const data = Float32Array.from([-3000, 1000]);
    const dims: Dims = [1, 1, 2];
    const half: AxisMap = { size: 1, start: 0.5, step: 1, validFrom: 0, validTo: 1 };
    const maps: AxisMaps = [identityAxis(1), identityAxis(1), half];
    const window = [-1000, 1000] as const;
    const after = resampleData(data, dims, maps, { outputMap: { clip: window, scale: 1, offset: 0 } });
    const before = resampleData(data, dims, maps, {
      inputClip: window,
      outputMap: { clip: window, scale: 1, offset: 0 },
    });
    expect(after[0]).toBe(-1000); // (-3000 + 1000) / 2, then clipped
    expect(before[0]).toBe(0); // (-1000 + 1000) / 2
  });
});

describe('output grids', () => {
  it('sizes a MONAI Spacing grid as np.round((n - 1) * old / new + 1), halves to even', () => {
    expect(monaiSpacingAxis(512, 0.7, 1.5)).toMatchObject({ size: 239, start: 0, step: 1.5 / 0.7 });
    expect(monaiSpacingAxis(4, 1, 2).size).toBe(2); // 2.5 rounds to 2
    expect(monaiSpacingAxis(6, 1, 2).size).toBe(4); // 3.5 rounds to 4
    expect(monaiSpacingAxis(300, 1, 3).size).toBe(101); // 100.67
  });

  it('sizes a torch resize as int(n * old / new) and samples pixel centres', () => {
    const map = torchResizeAxis(512, 0.7, 0.75);
    expect(map.size).toBe(477);
    expect(map.step).toBeCloseTo(512 / 477, 12);
    expect(map.start).toBeCloseTo((0.5 * 512) / 477 - 0.5, 12);
    // A float32 spacing (0.75 stored as 0.7499999) still gives the size of the exact value.
    expect(torchResizeAxis(512, Math.fround(0.7499999), 0.75).size).toBe(512);
  });

  it('keeps the first and last voxel centres with align_corners', () => {
    const map = alignCornersAxis(101, 160);
    expect(map.start).toBe(0);
    expect(map.start + map.step * 159).toBeCloseTo(100, 10);
  });
});

describe('centre crop or pad', () => {
  it('keeps every voxel at its world position and pads with the given value', () => {
    const dims: Dims = [10, 7, 4];
    const affine = obliqueAffine();
    const data = Int16Array.from({ length: 10 * 7 * 4 }, (_, n) => n);
    const out = cropOrPadVolume({ data, dims, affine }, [6, 11, 4], -1);
    expect(out.dims).toEqual([6, 11, 4]);
    // x is cropped from 2 (floor((10 - 6) / 2)), y padded by 2 before (floor((11 - 7) / 2)) and 2 after.
    const at = (i: number, j: number, k: number): number => out.data[i + 6 * (j + 11 * k)] ?? NaN;
    expect(at(0, 0, 0)).toBe(-1);
    expect(at(0, 1, 3)).toBe(-1);
    expect(at(5, 9, 0)).toBe(-1);
    for (const [i, j, k] of [
      [0, 2, 0],
      [3, 5, 2],
      [5, 8, 3],
    ] as Vec3[]) {
      const source: Vec3 = [i + 2, j - 2, k];
      expect(at(i, j, k)).toBe(data[source[0] + 10 * (source[1] + 7 * source[2])]);
      worldOf(out.affine, [i, j, k]).forEach((value, axis) =>
        expect(value).toBeCloseTo(worldOf(affine, source)[axis]!, 10),
      );
    }
  });
});
