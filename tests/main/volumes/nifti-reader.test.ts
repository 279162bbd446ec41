import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readNiftiFile } from '../../../src/main/volumes/nifti-reader';
import type { Volume } from '../../../src/main/volumes/volume';
import { tempDir } from '../../helpers/temp-dir';
import { countDifferences, expectSameVolume, expectUserError, valueRange } from '../../helpers/volume-expect';
import {
  ABDOMEN_NIFTI,
  HEAD_NIFTI,
  headNiftiBytes,
  NIFTI1,
  toBigEndianNifti1,
  toNifti2,
  writeNifti,
  writeVolume,
} from '../../helpers/volume-nifti-files';

const HEAD_AFFINE = [3.0625, 0, 0, 0, 0, 3.0625, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1];

let head: Volume;
beforeAll(async () => {
  head = await readNiftiFile(HEAD_NIFTI);
});

describe('readNiftiFile: real CT', () => {
  it('reads the head CT fixture as int16 HU with its sform', () => {
    expect(head.dims).toEqual([80, 80, 54]);
    expect(head.data).toBeInstanceOf(Int16Array);
    expect(head.affine).toEqual(HEAD_AFFINE);
    expect(valueRange(head.data)).toEqual([-1024, 2769]); // air to dense bone
  });

  it('reads the abdominal stent crop (128x128x256) with a sane HU range', async () => {
    const volume = await readNiftiFile(ABDOMEN_NIFTI);
    expect(volume.dims).toEqual([128, 128, 256]);
    expect(volume.data).toBeInstanceOf(Int16Array);
    const [min, max] = valueRange(volume.data);
    expect(min).toBeGreaterThanOrEqual(-1024);
    expect(max).toBeLessThanOrEqual(3071);
    expect(max - min).toBeGreaterThan(1000); // soft tissue to stent metal, not a blank volume
    const levels = new Set(volume.data);
    expect(levels.size).toBe(33); // quantised to 33 grey levels, as the fixture says
  });
});

describe('readNiftiFile: formats', () => {
  it('reads .nii, NIfTI-2, big-endian NIfTI-1 and a .nii.gz that is not gzipped to the same volume', async () => {
    const dir = tempDir();
    const bytes = headNiftiBytes();
    for (const file of [
      writeNifti(dir, 'plain.nii', bytes),
      writeNifti(dir, 'two.nii.gz', toNifti2(bytes)),
      writeNifti(dir, 'big-endian.nii', toBigEndianNifti1(bytes)),
    ]) {
      expectSameVolume(await readNiftiFile(file), head, 0);
    }
    const misnamed = path.join(dir, 'misnamed.nii.gz');
    fs.writeFileSync(misnamed, bytes);
    expectSameVolume(await readNiftiFile(misnamed), head, 0);
  });

  it('takes the sform when sform_code > 0 even when the qform code is higher', async () => {
    const bytes = headNiftiBytes();
    bytes.writeInt16LE(2, NIFTI1.qformCode); // qform "aligned", sform "scanner": nifti-reader-js would pick the qform
    bytes.writeFloatLE(50, NIFTI1.srow(3)); // the sform alone moves the origin
    const volume = await readNiftiFile(writeNifti(tempDir(), 'sform.nii', bytes));
    expect(volume.affine[3]).toBe(50);
  });

  it('falls back to the qform when sform_code is 0, then to pixdim scaling', async () => {
    const dir = tempDir();
    const bytes = headNiftiBytes();
    bytes.writeInt16LE(0, NIFTI1.sformCode);
    bytes.writeFloatLE(99, NIFTI1.srow(3)); // ignored
    bytes.writeFloatLE(-7, 268); // qoffset_x
    const fromQform = await readNiftiFile(writeNifti(dir, 'qform.nii', bytes));
    expect(fromQform.affine[3]).toBeCloseTo(-7, 5);
    fromQform.affine.forEach((v, i) => i !== 3 && expect(v).toBeCloseTo(HEAD_AFFINE[i] ?? NaN, 5));

    bytes.writeInt16LE(0, NIFTI1.qformCode);
    bytes.writeFloatLE(2.5, NIFTI1.pixdim(3));
    const fromPixdim = await readNiftiFile(writeNifti(dir, 'pixdim.nii', bytes));
    expect(fromPixdim.affine).toEqual([3.0625, 0, 0, 0, 0, 3.0625, 0, 0, 0, 0, 2.5, 0, 0, 0, 0, 1]);
  });

  it('applies scl_slope / scl_inter, keeping int16 when the result is whole', async () => {
    const dir = tempDir();
    const bytes = headNiftiBytes();
    bytes.writeFloatLE(2, NIFTI1.sclSlope);
    bytes.writeFloatLE(-1000, NIFTI1.sclInter);
    const doubled = await readNiftiFile(writeNifti(dir, 'doubled.nii', bytes));
    expect(doubled.data).toBeInstanceOf(Int16Array);
    expect(
      countDifferences(
        doubled.data,
        head.data.map((v) => v * 2 - 1000),
      ),
    ).toBe(0);

    bytes.writeFloatLE(0.5, NIFTI1.sclSlope);
    bytes.writeFloatLE(0, NIFTI1.sclInter);
    const halved = await readNiftiFile(writeNifti(dir, 'halved.nii', bytes));
    expect(halved.data).toBeInstanceOf(Float32Array);
    expect(
      countDifferences(
        halved.data,
        Float32Array.from(head.data, (v) => v / 2),
      ),
    ).toBe(0);

    bytes.writeFloatLE(0, NIFTI1.sclSlope); // slope 0 means "no scaling"
    bytes.writeFloatLE(123, NIFTI1.sclInter);
    expectSameVolume(await readNiftiFile(writeNifti(dir, 'unscaled.nii', bytes)), head, 0);
  });

  it('reads uint8, uint16 and float32 voxels; whole-number float32 comes back as int16', async () => {
    const dir = tempDir();
    const affine = HEAD_AFFINE;
    const dims = head.dims;
    const asFloat = Float32Array.from(head.data);
    const fromFloat = await readNiftiFile(writeVolume(dir, 'float.nii.gz', { data: asFloat, dims, affine }));
    expectSameVolume(fromFloat, head, 0);

    const fractional = asFloat.map((v) => v + 0.25);
    const fromFractional = await readNiftiFile(writeVolume(dir, 'fraction.nii', { data: fractional, dims, affine }));
    expect(fromFractional.data).toBeInstanceOf(Float32Array);
    expect(countDifferences(fromFractional.data, fractional)).toBe(0);

    const bytes8 = Uint8Array.from(head.data, (v) => Math.round((v + 1024) / 16));
    const from8 = await readNiftiFile(writeVolume(dir, 'u8.nii', { data: bytes8, dims, affine }));
    expect(from8.data).toBeInstanceOf(Int16Array);
    expect(countDifferences(from8.data, bytes8)).toBe(0);

    // uint16 with an intercept, as a DICOM converter writes it: stored value = HU + 1024.
    const u16 = writeVolume(dir, 'u16.nii', { data: Int16Array.from(head.data, (v) => v + 1024), dims, affine });
    const bytes16 = fs.readFileSync(u16);
    bytes16.writeInt16LE(512, NIFTI1.datatype);
    bytes16.writeFloatLE(1, NIFTI1.sclSlope);
    bytes16.writeFloatLE(-1024, NIFTI1.sclInter);
    expectSameVolume(await readNiftiFile(writeNifti(dir, 'u16-hu.nii', bytes16)), head, 0);
  });

  it('accepts a 4D header with a single volume and refuses a real 4D series', async () => {
    const dir = tempDir();
    const bytes = headNiftiBytes();
    bytes.writeInt16LE(4, NIFTI1.dim(0));
    bytes.writeInt16LE(1, NIFTI1.dim(4));
    expectSameVolume(await readNiftiFile(writeNifti(dir, 'single.nii', bytes)), head, 0);

    bytes.writeInt16LE(2, NIFTI1.dim(4));
    const series = writeNifti(dir, 'series.nii', Buffer.concat([bytes, bytes.subarray(352)]));
    await expectUserError(readNiftiFile(series), 'VOLUME_UNSUPPORTED', series, '4D series');
  });
});

describe('readNiftiFile: bad files are refused with a code and the file name', () => {
  it('refuses a truncated .nii.gz', async () => {
    const gz = fs.readFileSync(HEAD_NIFTI);
    const file = path.join(tempDir(), 'cut.nii.gz');
    fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    await expectUserError(readNiftiFile(file), 'VOLUME_INVALID', file, 'truncated or corrupt gzip');
  });

  it('refuses a .nii whose voxel data is cut short', async () => {
    const bytes = headNiftiBytes();
    const file = writeNifti(tempDir(), 'cut.nii', bytes.subarray(0, bytes.length - 1000));
    await expectUserError(readNiftiFile(file), 'VOLUME_INVALID', file, 'truncated');
  });

  it('refuses a file with the wrong magic, or that is not NIfTI at all', async () => {
    const dir = tempDir();
    const bytes = headNiftiBytes();
    bytes.write('xyz', NIFTI1.magic, 'latin1');
    const flipped = writeNifti(dir, 'magic.nii.gz', bytes);
    await expectUserError(readNiftiFile(flipped), 'VOLUME_INVALID', flipped, 'not a NIfTI file');

    const text = path.join(dir, 'notes.nii');
    fs.writeFileSync(text, 'this is a text file, not a volume\n');
    await expectUserError(readNiftiFile(text), 'VOLUME_INVALID', text, 'not a NIfTI file');

    const pair = headNiftiBytes();
    pair.write('ni1\0', NIFTI1.magic, 'latin1');
    const hdr = writeNifti(dir, 'pair.nii', pair);
    await expectUserError(readNiftiFile(hdr), 'VOLUME_UNSUPPORTED', hdr, '.hdr/.img pair');
  });

  it('refuses zero, absurd and oversized dimensions', async () => {
    const dir = tempDir();
    const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
      ['zero.nii', (b) => (b.writeInt16LE(0, NIFTI1.dim(2)), b), /80x0x54/],
      ['huge.nii.gz', (b) => (b.writeInt16LE(5000, NIFTI1.dim(1)), b), /5000x80x54/],
      ['nifti2-100000.nii', (b) => toNifti2(b, { dims: [3, 80, 100000, 54] }), /80x100000x54/],
      [
        'too-many.nii',
        (b) => (
          b.writeInt16LE(4096, NIFTI1.dim(1)),
          b.writeInt16LE(4096, NIFTI1.dim(2)),
          b.writeInt16LE(100, NIFTI1.dim(3)),
          b
        ),
        /at most 1073741824 voxels/,
      ],
    ];
    for (const [name, edit, detail] of cases) {
      const file = writeNifti(dir, name, edit(headNiftiBytes()));
      await expectUserError(readNiftiFile(file), 'VOLUME_INVALID', file, detail);
    }
  });

  it('refuses NaN and infinite voxels', async () => {
    const dir = tempDir();
    for (const [name, bad] of [
      ['nan.nii.gz', NaN],
      ['inf.nii', -Infinity],
    ] as const) {
      const data = Float32Array.from(head.data);
      data[1234] = bad;
      const file = writeVolume(dir, name, { data, dims: head.dims, affine: HEAD_AFFINE });
      await expectUserError(readNiftiFile(file), 'VOLUME_INVALID', file, Number.isNaN(bad) ? 'NaN' : 'infinite');
    }
  });

  it('refuses voxel types a CT volume does not come in, naming the type', async () => {
    const bytes = headNiftiBytes();
    bytes.writeInt16LE(64, NIFTI1.datatype); // float64
    bytes.writeInt16LE(64, NIFTI1.bitpix);
    const file = writeNifti(tempDir(), 'double.nii', Buffer.concat([bytes, bytes.subarray(352)]));
    await expectUserError(readNiftiFile(file), 'VOLUME_UNSUPPORTED', file, '8-Byte Float', 'datatype 64');
  });

  it('refuses a header whose affine cannot place the voxels', async () => {
    const bytes = headNiftiBytes();
    for (let i = 0; i < 12; i += 1) bytes.writeFloatLE(0, NIFTI1.srow(i));
    const file = writeNifti(tempDir(), 'flat.nii', bytes);
    await expectUserError(readNiftiFile(file), 'VOLUME_INVALID', file, 'sform');
  });

  it('says IO_ERROR for a file that cannot be read', async () => {
    const file = path.join(tempDir(), 'missing.nii.gz');
    await expectUserError(readNiftiFile(file), 'IO_ERROR', file);
    // a gzip stream that is not a NIfTI inside
    const other = path.join(tempDir(), 'other.nii.gz');
    fs.writeFileSync(other, gzipSync(Buffer.alloc(400, 7)));
    await expectUserError(readNiftiFile(other), 'VOLUME_INVALID', other, 'not a NIfTI');
  });
});
