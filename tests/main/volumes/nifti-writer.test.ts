import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { planCohort, renderPhantom } from '../../../src/main/phantoms';
import { encodeNifti, encodeNiftiGz } from '../../../src/main/volumes/nifti-writer';
import { SHARED_FIXTURES } from '../../helpers/paths';

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

/** Read with a well-kept independent reader, the way a user's viewer would. */
function readBack(bytes: Buffer): { header: nifti.NIFTI1 | nifti.NIFTI2; image: ArrayBuffer } {
  let data = toArrayBuffer(bytes);
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  expect(nifti.isNIFTI(data)).toBe(true);
  const header = nifti.readHeader(data);
  if (!header) throw new Error('no header');
  return { header, image: nifti.readImage(header, data) };
}

describe('NIfTI writer', () => {
  it('writes a phantom that an independent reader reads back voxel for voxel with its affine', () => {
    const [plan] = planCohort({ region: 'abdomen', count: 1, seed: 7, scanner: 'source' });
    if (!plan) throw new Error('no plan');
    const phantom = renderPhantom(plan);
    const { header, image } = readBack(encodeNiftiGz({ ...phantom, description: 'phantom 7' }));
    expect(header.dims.slice(0, 4)).toEqual([3, ...phantom.dims]);
    expect(header.datatypeCode).toBe(4); // int16
    expect(header.scl_slope).toBe(1);
    expect(header.qform_code).toBe(1);
    expect(header.sform_code).toBe(1);
    expect(header.description).toBe('phantom 7');
    expect(header.affine.flat()).toEqual(phantom.affine);
    expect(new Int16Array(image)).toEqual(phantom.data);
    // The qform describes the same placement as the sform.
    const qform = header.getQformMat().flat();
    qform.forEach((value, i) => expect(value).toBeCloseTo(phantom.affine[i] ?? NaN, 4));
  });

  it('stores an oblique, left-handed affine so that qform and sform agree', () => {
    const angle = 0.3;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    // LPS-like: x flipped, rotated about z, 0.8 x 0.8 x 2.5 mm.
    const affine = [-0.8 * c, -0.8 * s, 0, 100, -0.8 * s, 0.8 * c, 0, -50, 0, 0, 2.5, 12, 0, 0, 0, 1];
    const data = new Float32Array(4 * 3 * 2).map((_, i) => i / 2);
    const { header, image } = readBack(encodeNifti({ data, dims: [4, 3, 2], affine }));
    expect(header.datatypeCode).toBe(16);
    expect(header.pixDims[0]).toBe(-1); // qfac: left-handed
    expect(new Float32Array(image)).toEqual(data);
    header
      .getQformMat()
      .flat()
      .forEach((value, i) => expect(value).toBeCloseTo(affine[i] ?? NaN, 5));
  });

  it('keeps the header of a real CT fixture readable after re-encoding its voxels', () => {
    const fixture = `${SHARED_FIXTURES}/ct/head-ct-small.nii.gz`;
    const original = readBack(fs.readFileSync(fixture));
    const dims = [original.header.dims[1], original.header.dims[2], original.header.dims[3]] as [
      number,
      number,
      number,
    ];
    const voxels = new Int16Array(original.image);
    const rewritten = readBack(
      gunzipSync(encodeNiftiGz({ data: voxels, dims, affine: original.header.affine.flat() })),
    );
    expect(rewritten.header.dims.slice(1, 4)).toEqual(dims);
    expect(new Int16Array(rewritten.image)).toEqual(voxels);
    rewritten.header.affine
      .flat()
      .forEach((value, i) => expect(value).toBeCloseTo(original.header.affine.flat()[i] ?? NaN, 4));
  });

  it('refuses data whose length does not match the dimensions', () => {
    expect(() =>
      encodeNifti({
        data: new Int16Array(10),
        dims: [2, 2, 2],
        affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
      }),
    ).toThrow(/10 voxels/);
  });
});
