import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listDicomSeries, readDicomSeries } from '../../../src/main/volumes/dicom-series-reader';
import type { Volume } from '../../../src/main/volumes/volume';
import { tempDir } from '../../helpers/temp-dir';
import {
  copyHeadSeries,
  EXPLICIT_VR_LE,
  filesByPosition,
  IMPLICIT_VR_LE,
  patchString,
  pixelWords,
  readElements,
  rewriteSeries,
  text,
  uid,
  us,
  words,
  writeDicom,
} from '../../helpers/volume-dicom-files';
import { countDifferences, expectSameVolume, expectUserError, valueRange } from '../../helpers/volume-expect';
import { HEAD_DICOM } from '../../helpers/volume-nifti-files';

const SERIES_UID = '1.2.826.0.1.3680043.8.498.67859982188245406080723909468624297075';
const SLICE = 80 * 80;

let head: Volume;
let lowestZ: number;
beforeAll(async () => {
  head = await readDicomSeries(HEAD_DICOM);
  const lowest = readElements(filesByPosition(HEAD_DICOM)[0] ?? '').get('x00200032');
  lowestZ = Number(lowest?.value.toString('latin1').split('\\')[2]);
});

describe('readDicomSeries: the real head CT series', () => {
  it('sorts the shuffled slices along the normal and builds the RAS affine from LPS geometry', () => {
    expect(head.dims).toEqual([80, 80, 54]);
    expect(head.data).toBeInstanceOf(Int16Array); // uint16 + RescaleIntercept -1024 -> int16 HU
    // Stored order: i towards patient Left and j towards Posterior (LPS), so RAS x and y columns
    // are negative; the origin is the first pixel of the lowest slice, x and y negated.
    expect(head.affine).toEqual([-3.0625, 0, 0, 241.9375, 0, -3.0625, 0, 241.9375, 0, 0, 3, lowestZ, 0, 0, 0, 1]);
    expect(valueRange(head.data)).toEqual([-1024, 2769]); // air to dense bone
    // Slice k holds the pixels of the k-th lowest file.
    const files = filesByPosition(HEAD_DICOM);
    for (const k of [0, 20, 53]) {
      const raw = pixelWords(readElements(files[k] ?? ''));
      expect(
        countDifferences(
          head.data.subarray(k * SLICE, (k + 1) * SLICE),
          Array.from(raw, (v) => v - 1024),
        ),
      ).toBe(0);
    }
  });

  it('lists the one series with its modality and slice count', async () => {
    expect(await listDicomSeries(HEAD_DICOM)).toEqual([
      { seriesInstanceUid: SERIES_UID, modality: 'CT', seriesDescription: '', sliceCount: 54 },
    ]);
  });

  it('does not depend on file names or their order', async () => {
    const dir = copyHeadSeries(tempDir());
    filesByPosition(dir).forEach((file, rank) => fs.renameSync(file, path.join(dir, `slice-${999 - rank}.dcm`)));
    expectSameVolume(await readDicomSeries(dir), head, 0);
  });

  it('reads implicit VR little endian files to the same volume', async () => {
    const dir = copyHeadSeries(tempDir());
    rewriteSeries(dir, IMPLICIT_VR_LE);
    expect(fs.readFileSync(path.join(dir, 'IM0000.dcm')).includes('1.2.840.10008.1.2\0')).toBe(true);
    expectSameVolume(await readDicomSeries(dir), head, 0);
  });

  it('reads signed pixels (PixelRepresentation 1) without an intercept to the same HU', async () => {
    const dir = copyHeadSeries(tempDir());
    rewriteSeries(dir, EXPLICIT_VR_LE, (elements) => {
      elements.set('x7fe00010', {
        vr: 'OW',
        value: words(
          Array.from(pixelWords(elements), (v) => v - 1024),
          true,
        ),
      });
      elements.set('x00280103', { vr: 'US', value: us(1) });
      elements.set('x00281052', { vr: 'DS', value: text('0') });
    });
    expectSameVolume(await readDicomSeries(dir), head, 0);
  });

  it('keeps only the BitsStored bits (12 of 16), ignoring whatever sits above HighBit', async () => {
    const dir = copyHeadSeries(tempDir());
    rewriteSeries(dir, EXPLICIT_VR_LE, (elements) => {
      const noisy = Array.from(pixelWords(elements), (v) => v | 0xa000);
      elements.set('x7fe00010', { vr: 'OW', value: words(noisy, false) });
      elements.set('x00280101', { vr: 'US', value: us(12) });
      elements.set('x00280102', { vr: 'US', value: us(11) });
    });
    expectSameVolume(await readDicomSeries(dir), head, 0);
  });

  it('applies each slice its own RescaleSlope / RescaleIntercept', async () => {
    const dir = copyHeadSeries(tempDir());
    let edited = 0;
    rewriteSeries(dir, EXPLICIT_VR_LE, (elements) => {
      edited += 1;
      if (edited % 2 === 0) return;
      elements.set('x7fe00010', {
        vr: 'OW',
        value: words(
          Array.from(pixelWords(elements), (v) => v + 24),
          false,
        ),
      });
      elements.set('x00281052', { vr: 'DS', value: text('-1048') });
    });
    expectSameVolume(await readDicomSeries(dir), head, 0);

    rewriteSeries(dir, EXPLICIT_VR_LE, (elements) => elements.set('x00281053', { vr: 'DS', value: text('0.5') }));
    const halved = await readDicomSeries(dir);
    expect(halved.data).toBeInstanceOf(Float32Array); // (stored * 0.5 - 1024) is not always whole
    expect(halved.data.some((v) => !Number.isInteger(v))).toBe(true);
  });

  it('skips files that are not DICOM images (notes, DICOMDIR) and reads subfolders', async () => {
    const root = tempDir();
    const dir = copyHeadSeries(path.join(root, 'study', 'series-1'));
    fs.writeFileSync(path.join(root, 'README.txt'), 'exported by the PACS\n');
    fs.writeFileSync(path.join(dir, '.DS_Store'), Buffer.alloc(600, 1));
    const dicomdir = new Map([
      ['x00020002', { vr: 'UI', value: uid('1.2.840.10008.1.3.10') }],
      ['x00041130', { vr: 'CS', value: text('FILESET') }],
    ]);
    writeDicom(path.join(root, 'DICOMDIR'), dicomdir, EXPLICIT_VR_LE);
    expectSameVolume(await readDicomSeries(root), head, 0);
    expect(await listDicomSeries(root)).toHaveLength(1);
  });
});

describe('readDicomSeries: choosing a series', () => {
  it('refuses a folder mixing two series, listing them; reads the one asked for', async () => {
    const dir = copyHeadSeries(tempDir());
    const otherUid = `${SERIES_UID.slice(0, -1)}9`;
    const upperHalf = filesByPosition(dir).slice(27);
    for (const file of upperHalf) patchString(file, 'x0020000e', otherUid);

    const error = await expectUserError(readDicomSeries(dir), 'SERIES_AMBIGUOUS', dir, SERIES_UID, otherUid);
    expect(error.message.match(/27 slices/g)).toHaveLength(2);
    expect((await listDicomSeries(dir)).map((s) => [s.seriesInstanceUid, s.sliceCount])).toEqual([
      [SERIES_UID, 27],
      [otherUid, 27],
    ]);

    const lower = await readDicomSeries(dir, { seriesInstanceUid: SERIES_UID });
    expect(lower.dims).toEqual([80, 80, 27]);
    expect(countDifferences(lower.data, head.data.subarray(0, 27 * SLICE))).toBe(0);
    const upper = await readDicomSeries(dir, { seriesInstanceUid: otherUid });
    expect(countDifferences(upper.data, head.data.subarray(27 * SLICE))).toBe(0);
    expect(upper.affine[11]).toBeCloseTo(lowestZ + 27 * 3, 6);

    await expectUserError(readDicomSeries(dir, { seriesInstanceUid: '1.2.3' }), 'SERIES_AMBIGUOUS', dir, '1.2.3');
  });
});

describe('readDicomSeries: bad series are refused with a code and the file name', () => {
  it('refuses a series that is not CT', async () => {
    const dir = copyHeadSeries(tempDir());
    for (const name of fs.readdirSync(dir)) patchString(path.join(dir, name), 'x00080060', 'MR');
    await expectUserError(readDicomSeries(dir), 'VOLUME_UNSUPPORTED', dir, 'MR', 'only CT');
    expect((await listDicomSeries(dir))[0]?.modality).toBe('MR');

    const one = copyHeadSeries(tempDir());
    patchString(path.join(one, 'IM0007.dcm'), 'x00080060', 'MR');
    await expectUserError(readDicomSeries(one), 'VOLUME_UNSUPPORTED', path.join(one, 'IM0007.dcm'), 'MR');
  });

  it('refuses a gap where a slice is missing, naming the slices on either side', async () => {
    const dir = copyHeadSeries(tempDir());
    const files = filesByPosition(dir);
    fs.rmSync(files[30] ?? '');
    await expectUserError(
      readDicomSeries(dir),
      'VOLUME_INVALID',
      dir,
      path.basename(files[29] ?? ''),
      path.basename(files[31] ?? ''),
      'missing',
      '6.00 mm apart',
    );
  });

  it('refuses two slices at the same position', async () => {
    const dir = copyHeadSeries(tempDir());
    fs.copyFileSync(path.join(dir, 'IM0010.dcm'), path.join(dir, 'IM0010-copy.dcm'));
    await expectUserError(
      readDicomSeries(dir),
      'VOLUME_INVALID',
      dir,
      'IM0010.dcm',
      'IM0010-copy.dcm',
      'same position',
    );
  });

  it('refuses compressed transfer syntaxes, saying which and how to decompress', async () => {
    const dir = copyHeadSeries(tempDir());
    const rle = path.join(dir, 'IM0003.dcm');
    patchString(rle, 'x00020010', '1.2.840.10008.1.2.5\0');
    await expectUserError(readDicomSeries(dir), 'VOLUME_UNSUPPORTED', rle, 'RLE Lossless', 'gdcmconv', 'dcmdjpeg');

    const jpeg = copyHeadSeries(tempDir());
    rewriteSeries(jpeg, '1.2.840.10008.1.2.4.91');
    await expectUserError(readDicomSeries(jpeg), 'VOLUME_UNSUPPORTED', jpeg, 'JPEG 2000', '1.2.840.10008.1.2.4.91');
  });

  it('refuses a slice without pixel data, and a truncated slice', async () => {
    const dir = copyHeadSeries(tempDir());
    const file = path.join(dir, 'IM0005.dcm');
    const elements = readElements(file);
    elements.delete('x7fe00010');
    writeDicom(file, elements, EXPLICIT_VR_LE);
    await expectUserError(readDicomSeries(dir), 'VOLUME_INVALID', file, 'no pixel data');

    const cut = copyHeadSeries(tempDir());
    const cutFile = path.join(cut, 'IM0005.dcm');
    const bytes = fs.readFileSync(cutFile);
    fs.writeFileSync(cutFile, bytes.subarray(0, bytes.length - 1000));
    await expectUserError(readDicomSeries(cut), 'VOLUME_INVALID', cutFile, 'truncated');
  });

  it('refuses slices that do not form one volume, or cannot be placed', async () => {
    const dir = copyHeadSeries(tempDir());
    const file = path.join(dir, 'IM0008.dcm');
    const elements = readElements(file);
    elements.set('x00280010', { vr: 'US', value: us(40) });
    elements.set('x7fe00010', {
      vr: 'OW',
      value: (elements.get('x7fe00010')?.value ?? Buffer.alloc(0)).subarray(0, 6400),
    });
    writeDicom(file, elements, EXPLICIT_VR_LE);
    await expectUserError(readDicomSeries(dir), 'VOLUME_INVALID', dir, 'IM0008.dcm', '80x40 pixels');

    const unplaced = copyHeadSeries(tempDir());
    const noPosition = readElements(path.join(unplaced, 'IM0002.dcm'));
    noPosition.delete('x00200032');
    writeDicom(path.join(unplaced, 'IM0002.dcm'), noPosition, EXPLICIT_VR_LE);
    await expectUserError(readDicomSeries(unplaced), 'VOLUME_INVALID', 'IM0002.dcm', 'ImagePositionPatient');
  });

  it('refuses a folder without DICOM images, and one that does not exist', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'nothing here\n');
    await expectUserError(readDicomSeries(dir), 'VOLUME_INVALID', dir, 'no DICOM image files', 'notes.txt');
    expect(await listDicomSeries(dir)).toEqual([]);
    await expectUserError(readDicomSeries(path.join(dir, 'nope')), 'IO_ERROR', path.join(dir, 'nope'));
  });
});
