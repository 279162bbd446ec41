/**
 * NIfTI-1 single-file writer (.nii, gzipped as .nii.gz). Written by hand because the
 * well-kept JS NIfTI libraries (nifti-reader-js) only read. The affine is stored both as
 * sform and as qform (quaternion), so every viewer places the volume the same way.
 */
import { gzipSync } from 'node:zlib';
import { BugError } from '../../shared/errors';

export type NiftiVoxels = Int16Array | Uint16Array | Uint8Array | Float32Array;

export interface NiftiVolume {
  /** Voxels in NIfTI order: x fastest, then y, then z. */
  data: NiftiVoxels;
  dims: readonly [number, number, number];
  /** Voxel (i,j,k) -> world (x,y,z) in mm, RAS+: a row-major 4x4 matrix. */
  affine: readonly number[];
  description?: string;
  /**
   * Stored values v mean v * slope + intercept (scl_slope, scl_inter): how a viewer shows
   * quantised data in real units. Without it the values are stored as they are (slope 1).
   */
  scaling?: { slope: number; intercept: number };
}

const HEADER_SIZE = 348;
const VOX_OFFSET = 352;

const DATATYPES = new Map<string, { code: number; bitpix: number }>([
  ['Uint8Array', { code: 2, bitpix: 8 }],
  ['Int16Array', { code: 4, bitpix: 16 }],
  ['Uint16Array', { code: 512, bitpix: 16 }],
  ['Float32Array', { code: 16, bitpix: 32 }],
]);

export function encodeNifti(volume: NiftiVolume): Buffer {
  const [nx, ny, nz] = volume.dims;
  if (volume.data.length !== nx * ny * nz) {
    throw new BugError(
      `NIfTI data has ${volume.data.length} voxels, but the dimensions ${nx}x${ny}x${nz} need ${nx * ny * nz}.`,
    );
  }
  if (volume.affine.length !== 16) throw new BugError('A NIfTI affine must be a 4x4 matrix (16 numbers).');
  const type = DATATYPES.get(volume.data.constructor.name);
  if (!type) throw new BugError(`Unsupported NIfTI voxel type ${volume.data.constructor.name}.`);
  const scaling = volume.scaling ?? { slope: 1, intercept: 0 };
  // A slope of 0 means "no scaling" in NIfTI, so it cannot express a constant volume either.
  if (!Number.isFinite(scaling.slope) || scaling.slope === 0 || !Number.isFinite(scaling.intercept)) {
    throw new BugError(
      `NIfTI scaling needs a finite, non-zero slope and a finite intercept, not ${JSON.stringify(scaling)}.`,
    );
  }

  const header = Buffer.alloc(VOX_OFFSET); // 348-byte header + 4-byte empty extension flag
  header.writeInt32LE(HEADER_SIZE, 0);
  header.writeUInt8(0x72, 39); // dim_info unused; regular = 'r'
  const dim = [3, nx, ny, nz, 1, 1, 1, 1];
  dim.forEach((value, i) => header.writeInt16LE(value, 40 + 2 * i));
  header.writeInt16LE(type.code, 70);
  header.writeInt16LE(type.bitpix, 72);

  const a = volume.affine;
  const at = (row: number, col: number): number => a[row * 4 + col] ?? 0;
  const spacing = [0, 1, 2].map((col) => Math.hypot(at(0, col), at(1, col), at(2, col)));
  const { b, c, d, qfac } = rotationToQuaternion(a, spacing);
  const pixdim = [qfac, spacing[0] ?? 1, spacing[1] ?? 1, spacing[2] ?? 1, 0, 0, 0, 0];
  pixdim.forEach((value, i) => header.writeFloatLE(value, 76 + 4 * i));
  header.writeFloatLE(VOX_OFFSET, 108);
  header.writeFloatLE(scaling.slope, 112); // scl_slope
  header.writeFloatLE(scaling.intercept, 116); // scl_inter
  header.writeUInt8(2 | 8, 123); // xyzt_units: mm, s
  header.write((volume.description ?? 'CT-VLM Workbench').slice(0, 79), 148, 'latin1');
  header.writeInt16LE(1, 252); // qform_code: scanner
  header.writeInt16LE(1, 254); // sform_code: scanner
  header.writeFloatLE(b, 256);
  header.writeFloatLE(c, 260);
  header.writeFloatLE(d, 264);
  header.writeFloatLE(at(0, 3), 268);
  header.writeFloatLE(at(1, 3), 272);
  header.writeFloatLE(at(2, 3), 276);
  for (let row = 0; row < 3; row += 1) {
    for (let col = 0; col < 4; col += 1) header.writeFloatLE(at(row, col), 280 + 16 * row + 4 * col);
  }
  header.write('n+1\0', 344, 'latin1');

  const voxels = Buffer.from(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength);
  return Buffer.concat([header, voxels]);
}

export function encodeNiftiGz(volume: NiftiVolume): Buffer {
  return gzipSync(encodeNifti(volume), { level: 6 });
}

/** nifti1_io's mat44_to_quatern for an affine whose columns are already orthogonal. */
function rotationToQuaternion(
  a: readonly number[],
  spacing: number[],
): { b: number; c: number; d: number; qfac: number } {
  const r = [0, 1, 2].map((row) => [0, 1, 2].map((col) => (a[row * 4 + col] ?? 0) / (spacing[col] || 1)));
  const m = (i: number, j: number): number => r[i]?.[j] ?? 0;
  const det =
    m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1)) -
    m(0, 1) * (m(1, 0) * m(2, 2) - m(1, 2) * m(2, 0)) +
    m(0, 2) * (m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0));
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (const row of r) row[2] = -(row[2] ?? 0);
  const trace = m(0, 0) + m(1, 1) + m(2, 2) + 1;
  let qa: number, qb: number, qc: number, qd: number;
  if (trace > 0.5) {
    qa = 0.5 * Math.sqrt(trace);
    qb = (0.25 * (m(2, 1) - m(1, 2))) / qa;
    qc = (0.25 * (m(0, 2) - m(2, 0))) / qa;
    qd = (0.25 * (m(1, 0) - m(0, 1))) / qa;
  } else {
    const xd = 1 + m(0, 0) - (m(1, 1) + m(2, 2));
    const yd = 1 + m(1, 1) - (m(0, 0) + m(2, 2));
    const zd = 1 + m(2, 2) - (m(0, 0) + m(1, 1));
    if (xd > 1) {
      qb = 0.5 * Math.sqrt(xd);
      qc = (0.25 * (m(0, 1) + m(1, 0))) / qb;
      qd = (0.25 * (m(0, 2) + m(2, 0))) / qb;
      qa = (0.25 * (m(2, 1) - m(1, 2))) / qb;
    } else if (yd > 1) {
      qc = 0.5 * Math.sqrt(yd);
      qb = (0.25 * (m(0, 1) + m(1, 0))) / qc;
      qd = (0.25 * (m(1, 2) + m(2, 1))) / qc;
      qa = (0.25 * (m(0, 2) - m(2, 0))) / qc;
    } else {
      qd = 0.5 * Math.sqrt(zd);
      qb = (0.25 * (m(0, 2) + m(2, 0))) / qd;
      qc = (0.25 * (m(1, 2) + m(2, 1))) / qd;
      qa = (0.25 * (m(1, 0) - m(0, 1))) / qd;
    }
    if (qa < 0) {
      qb = -qb;
      qc = -qc;
      qd = -qd;
    }
  }
  return { b: qb, c: qc, d: qd, qfac };
}
