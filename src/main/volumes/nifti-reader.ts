/**
 * NIfTI-1 / NIfTI-2 reader (.nii, .nii.gz) on top of nifti-reader-js, which parses the header.
 * Returns the volume in the file's own voxel order (readVolume makes it canonical RAS), with HU
 * values (scl_slope/scl_inter applied) and the affine the header defines.
 */
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { UserError } from '../../shared/errors';
import type { Volume } from './volume';
import { IDENTITY_RESCALE, type RawVoxels, type Rescale, toHounsfieldData } from './hounsfield-data';
import { checkAffine, checkDataLength, checkDims } from './volume-checks';

type NiftiHeader = nifti.NIFTI1 | nifti.NIFTI2;

const gunzipAsync = promisify(gunzip);

const NIFTI1_HEADER_SIZE = 348;
const NIFTI2_HEADER_SIZE = 540;

/** The voxel types a CT volume comes in; anything else is refused by name. */
const VOXEL_TYPES = new Map<
  number,
  { bytes: number; view: (buffer: ArrayBuffer, offset: number, n: number) => RawVoxels }
>([
  [nifti.NIFTI1.TYPE_UINT8, { bytes: 1, view: (b, o, n) => new Uint8Array(b, o, n) }],
  [nifti.NIFTI1.TYPE_INT16, { bytes: 2, view: (b, o, n) => new Int16Array(b, o, n) }],
  [nifti.NIFTI1.TYPE_UINT16, { bytes: 2, view: (b, o, n) => new Uint16Array(b, o, n) }],
  [nifti.NIFTI1.TYPE_FLOAT32, { bytes: 4, view: (b, o, n) => new Float32Array(b, o, n) }],
]);

/** Read a NIfTI file in its stored voxel order. */
export async function readNiftiFile(file: string): Promise<Volume> {
  const bytes = await readDecompressed(file);
  const header = parseHeader(bytes, file);
  const dims = spatialDims(header, file);
  const type = VOXEL_TYPES.get(header.datatypeCode);
  if (!type) {
    throw new UserError(
      'VOLUME_UNSUPPORTED',
      `${file} stores ${header.getDatatypeCodeString(header.datatypeCode)} voxels (NIfTI datatype ${header.datatypeCode}); ` +
        'only int16, uint16, uint8 and float32 CT volumes are supported. Convert it, e.g. to int16 HU.',
    );
  }
  const affine = niftiAffine(header, bytes, file);
  const raw = voxelView(bytes, header, dims[0] * dims[1] * dims[2], type, file);
  const data = toHounsfieldData(raw, [niftiRescale(header)], raw.length, file);
  return { data, dims, affine };
}

async function readDecompressed(file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new UserError('IO_ERROR', `Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  // Decide by the gzip magic bytes, not the name: a .nii.gz that is not gzipped still reads.
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (error) {
    throw new UserError(
      'VOLUME_INVALID',
      `${file} is a truncated or corrupt gzip file (${(error as Error).message}); copy or download it again.`,
      { cause: error },
    );
  }
}

function parseHeader(bytes: Buffer, file: string): NiftiHeader {
  const head = toArrayBuffer(bytes, 0, Math.min(bytes.length, NIFTI2_HEADER_SIZE));
  if (head.byteLength >= NIFTI1_HEADER_SIZE && !nifti.isNIFTI(head) && nifti.isNIFTI(head, true)) {
    throw new UserError(
      'VOLUME_UNSUPPORTED',
      `${file} is the header of an .hdr/.img pair; convert it to a single .nii or .nii.gz file (e.g. with fslchfiletype or nibabel).`,
    );
  }
  const version = head.byteLength < NIFTI1_HEADER_SIZE ? 0 : nifti.isNIFTI1(head) ? 1 : nifti.isNIFTI2(head) ? 2 : 0;
  if (version === 0 || (version === 2 && head.byteLength < NIFTI2_HEADER_SIZE)) {
    throw new UserError(
      'VOLUME_INVALID',
      `${file} is not a NIfTI file: it has no NIfTI-1 or NIfTI-2 magic ("n+1" / "n+2"). Check that it is the CT volume you meant.`,
    );
  }
  // Only the fixed header is parsed: extensions are not needed and may be large.
  const header = version === 1 ? new nifti.NIFTI1() : new nifti.NIFTI2();
  try {
    header.readHeader(head.slice(0, version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE));
  } catch (error) {
    throw new UserError('VOLUME_INVALID', `${file} has a corrupt NIfTI header: ${describe(error)}.`, { cause: error });
  }
  return header;
}

/** nx, ny, nz from dim[]; a 4th dimension of 1 is fine, a real 4D (or 5D...) series is not. */
function spatialDims(header: NiftiHeader, file: string): [number, number, number] {
  const rank = header.dims[0] ?? 0;
  if (!Number.isInteger(rank) || rank < 1 || rank > 7) {
    throw new UserError('VOLUME_INVALID', `${file} has dim[0] = ${rank}; a NIfTI header needs 1 to 7 dimensions.`);
  }
  const dim = (i: number): number => (i <= rank ? (header.dims[i] ?? 0) : 1);
  const dims: [number, number, number] = [dim(1), dim(2), dim(3)];
  checkDims(dims, file);
  for (let i = 4; i <= rank; i += 1) {
    if (dim(i) > 1) {
      throw new UserError(
        'VOLUME_UNSUPPORTED',
        `${file} is a ${rank}D series (dimensions ${header.dims.slice(1, rank + 1).join('x')}); only a single 3D CT volume is supported. Split out the volume you need first.`,
      );
    }
    if (dim(i) < 1) throw new UserError('VOLUME_INVALID', `${file} has dim[${i}] = ${dim(i)}; it must be at least 1.`);
  }
  return dims;
}

/**
 * The voxel-to-world affine, by NIfTI's own precedence: the sform when sform_code > 0 (method 3),
 * else the qform quaternion when qform_code > 0 (method 2), else plain pixdim scaling (method 1,
 * the ANALYZE fallback, which places nothing in scanner space).
 */
function niftiAffine(header: NiftiHeader, bytes: Buffer, file: string): number[] {
  let affine: number[];
  let source: string;
  if (header.sform_code > 0) {
    source = 'sform';
    // nifti-reader-js fills `affine` from the qform when qform_code > sform_code (NIfTI-1 only),
    // so for NIfTI-1 the srow_x/y/z rows are read from the fixed header offset 280 directly.
    affine = header instanceof nifti.NIFTI1 ? readNifti1Srows(bytes, header.littleEndian) : header.affine.flat();
  } else if (header.qform_code > 0) {
    source = 'qform';
    affine = header.getQformMat().flat();
  } else {
    source = 'pixdim scaling';
    const size = (i: number): number => Math.abs(header.pixDims[i] ?? 0) || 1;
    affine = [size(1), 0, 0, 0, 0, size(2), 0, 0, 0, 0, size(3), 0, 0, 0, 0, 1];
  }
  affine.splice(12, 4, 0, 0, 0, 1);
  checkAffine(affine, file, source);
  return affine;
}

function readNifti1Srows(bytes: Buffer, littleEndian: boolean): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, NIFTI1_HEADER_SIZE);
  const rows: number[] = [];
  for (let i = 0; i < 12; i += 1) rows.push(view.getFloat32(280 + 4 * i, littleEndian));
  return rows;
}

/** scl_slope / scl_inter apply when the slope is non-zero (and finite) and not the identity. */
function niftiRescale(header: NiftiHeader): Rescale {
  const slope = header.scl_slope;
  const intercept = Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  if (!Number.isFinite(slope) || slope === 0 || (slope === 1 && intercept === 0)) return IDENTITY_RESCALE;
  return { slope, intercept };
}

function voxelView(
  bytes: Buffer,
  header: NiftiHeader,
  count: number,
  type: { bytes: number; view: (buffer: ArrayBuffer, offset: number, n: number) => RawVoxels },
  file: string,
): RawVoxels {
  const offset = Math.round(header.vox_offset);
  const minOffset = header instanceof nifti.NIFTI1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  if (!Number.isFinite(offset) || offset < minOffset) {
    throw new UserError(
      'VOLUME_INVALID',
      `${file} has vox_offset ${header.vox_offset}; the voxels cannot start inside the header.`,
    );
  }
  const needBytes = count * type.bytes;
  checkDataLength(file, bytes.length - offset, needBytes);
  const start = bytes.byteOffset + offset;
  const aligned = start % type.bytes === 0;
  const littleEndian = header.littleEndian || type.bytes === 1;
  // A view on the file's bytes when possible (no copy); a copy when unaligned or byte-swapped.
  const buffer = aligned && littleEndian ? (bytes.buffer as ArrayBuffer) : toArrayBuffer(bytes, offset, needBytes);
  const bufferOffset = aligned && littleEndian ? start : 0;
  if (!littleEndian) swapBytes(new Uint8Array(buffer), type.bytes);
  return type.view(buffer, bufferOffset, count);
}

/** Big-endian files: reverse the bytes of every 2- or 4-byte voxel in place. */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a += 1, b -= 1) {
      const t = bytes[a] ?? 0;
      bytes[a] = bytes[b] ?? 0;
      bytes[b] = t;
    }
  }
}

function toArrayBuffer(bytes: Buffer, offset: number, length: number): ArrayBuffer {
  const copy = new ArrayBuffer(length);
  new Uint8Array(copy).set(bytes.subarray(offset, offset + length));
  return copy;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
