/**
 * NIfTI files for reader tests: the real head CT fixture, copies with header fields patched,
 * a NIfTI-2 and a big-endian re-encoding (our writer only writes little-endian NIfTI-1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeNifti, type NiftiVolume } from '../../src/main/volumes/nifti-writer';
import { SHARED_FIXTURES } from './paths';

export const HEAD_NIFTI = path.join(SHARED_FIXTURES, 'ct', 'head-ct-small.nii.gz');
export const ABDOMEN_NIFTI = path.join(SHARED_FIXTURES, 'ct', 'abdomen-stent-crop.nii.gz');
export const HEAD_DICOM = path.join(SHARED_FIXTURES, 'ct', 'head-ct-small-dicom');

/** The head fixture, decompressed (a fresh copy each call). */
export function headNiftiBytes(): Buffer {
  return gunzipSync(fs.readFileSync(HEAD_NIFTI));
}

/** Write bytes as dir/name, gzipped when the name ends in .gz. */
export function writeNifti(dir: string, name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return file;
}

export function writeVolume(dir: string, name: string, volume: NiftiVolume): string {
  return writeNifti(dir, name, encodeNifti(volume));
}

/** NIfTI-1 header offsets (little endian, as our writer writes them). */
export const NIFTI1 = {
  dim: (i: number) => 40 + 2 * i,
  datatype: 70,
  bitpix: 72,
  pixdim: (i: number) => 76 + 4 * i,
  voxOffset: 108,
  sclSlope: 112,
  sclInter: 116,
  qformCode: 252,
  sformCode: 254,
  srow: (i: number) => 280 + 4 * i,
  magic: 344,
} as const;

/** Re-encode a little-endian NIfTI-1 (.nii bytes) as NIfTI-2 with the same header values and voxels. */
export function toNifti2(nifti1: Buffer, override: { dims?: number[] } = {}): Buffer {
  const h = Buffer.alloc(544);
  const f32 = (offset: number): number => nifti1.readFloatLE(offset);
  h.writeInt32LE(540, 0);
  h.write('n+2\0\r\n\x1a\n', 4, 'latin1');
  h.writeInt16LE(nifti1.readInt16LE(NIFTI1.datatype), 12);
  h.writeInt16LE(nifti1.readInt16LE(NIFTI1.bitpix), 14);
  for (let i = 0; i < 8; i += 1) {
    h.writeBigInt64LE(BigInt(override.dims?.[i] ?? nifti1.readInt16LE(NIFTI1.dim(i))), 16 + 8 * i);
    h.writeDoubleLE(f32(NIFTI1.pixdim(i)), 104 + 8 * i);
  }
  h.writeBigInt64LE(544n, 168);
  h.writeDoubleLE(f32(NIFTI1.sclSlope), 176);
  h.writeDoubleLE(f32(NIFTI1.sclInter), 184);
  h.writeInt32LE(nifti1.readInt16LE(NIFTI1.qformCode), 344);
  h.writeInt32LE(nifti1.readInt16LE(NIFTI1.sformCode), 348);
  for (let i = 0; i < 6; i += 1) h.writeDoubleLE(f32(256 + 4 * i), 352 + 8 * i); // quatern_b.. qoffset_z
  for (let i = 0; i < 12; i += 1) h.writeDoubleLE(f32(NIFTI1.srow(i)), 400 + 8 * i);
  h.writeInt32LE(nifti1.readUInt8(123), 500); // xyzt_units
  const voxOffset = Math.round(f32(NIFTI1.voxOffset));
  return Buffer.concat([h, nifti1.subarray(voxOffset)]);
}

/** Re-encode a little-endian NIfTI-1 (.nii bytes) as big endian, header fields and voxels. */
export function toBigEndianNifti1(nifti1: Buffer): Buffer {
  const out = Buffer.from(nifti1);
  const swap = (offset: number, width: number): void => {
    out.subarray(offset, offset + width).reverse();
  };
  swap(0, 4); // sizeof_hdr
  for (let i = 0; i < 8; i += 1) swap(NIFTI1.dim(i), 2);
  for (const offset of [56, 60, 64]) swap(offset, 4); // intent_p1..3
  for (const offset of [68, 70, 72, 74, 120, 252, 254]) swap(offset, 2); // intent_code .. slice_start, slice_end, q/sform_code
  for (let offset = 76; offset < 148; offset += 4) if (offset !== 120) swap(offset, 4); // pixdim .. glmin
  for (let offset = 256; offset < 328; offset += 4) swap(offset, 4); // quatern_b .. srow_z
  const width = nifti1.readInt16LE(NIFTI1.bitpix) / 8;
  for (let offset = Math.round(nifti1.readFloatLE(NIFTI1.voxOffset)); offset < out.length; offset += width) {
    swap(offset, width);
  }
  return out;
}
