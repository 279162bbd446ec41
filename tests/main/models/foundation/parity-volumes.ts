/**
 * The parity fixtures' inputs as files a user would have: each volume of io.safetensors written as
 * a float32 NIfTI whose voxel (x, y, z) is what the model reads at X, Y, Z (Merlin's (B, 1, X, Y, Z),
 * CT-CLIP's (B, Z, X, Y, 1)), and the expected embeddings per row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { encodeNifti } from '../../../../src/main/volumes/nifti-writer';
import { REPO_ROOT } from '../../../helpers/paths';

export const PARITY_DIR = path.join(REPO_ROOT, 'tests', 'fixtures', 'parity');
export const FOUNDATION_FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'foundation');

export type ParityArch = 'ctclip' | 'merlin';

interface IoTensor {
  shape: number[];
  values: number[];
}

export function parityIo(arch: ParityArch): Map<string, IoTensor> {
  const file = path.join(PARITY_DIR, `${arch}-small`, 'io.safetensors');
  return new Map(
    [...readSafetensors(file).tensors].map(([name, t]) => [
      name,
      { shape: t.shape, values: Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)) },
    ]),
  );
}

function entry(io: Map<string, IoTensor>, name: string): IoTensor {
  const found = io.get(name);
  if (!found) throw new Error(`parity io has no ${name}`);
  return found;
}

/** Row `row` of an [N, D] output. */
export function expectedRow(arch: ParityArch, name: string, row: number): number[] {
  const t = entry(parityIo(arch), name);
  const width = t.shape[1] ?? 0;
  return t.values.slice(row * width, (row + 1) * width);
}

/** Write volume `row` of the fixture as NIfTI (1 mm voxels, identity affine); returns its path and dims. */
export function writeParityVolume(
  arch: ParityArch,
  row: number,
  folder: string,
): { file: string; dims: [number, number, number] } {
  const volume = entry(parityIo(arch), 'volume');
  let dims: [number, number, number];
  let at: (x: number, y: number, z: number) => number;
  if (arch === 'merlin') {
    const [, , nx = 0, ny = 0, nz = 0] = volume.shape; // [B, 1, X, Y, Z]
    dims = [nx, ny, nz];
    at = (x, y, z) => volume.values[row * nx * ny * nz + (x * ny + y) * nz + z] ?? NaN;
  } else {
    const [, nz = 0, nx = 0, ny = 0] = volume.shape; // [B, Z, X, Y, 1]
    dims = [nx, ny, nz];
    at = (x, y, z) => volume.values[row * nx * ny * nz + (z * nx + x) * ny + y] ?? NaN;
  }
  const [nx, ny, nz] = dims;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z += 1)
    for (let y = 0; y < ny; y += 1) for (let x = 0; x < nx; x += 1) data[x + nx * (y + ny * z)] = at(x, y, z);
  const file = path.join(folder, `${arch}-row${row}.nii`);
  fs.writeFileSync(file, encodeNifti({ data, dims, affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] }));
  return { file, dims };
}

/** Texts the fixture tokenizers turn into the parity fixtures' input_ids rows. */
export const PARITY_TEXTS: Record<ParityArch, readonly string[]> = {
  ctclip: ['No focal lung nodule is seen'],
  merlin: ['A B C D E F B G H', 'I J K L A F'],
};

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - (b[i] ?? NaN)))));
  return Number.isNaN(worst) ? Infinity : worst;
}
