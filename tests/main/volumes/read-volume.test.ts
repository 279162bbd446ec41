import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDicomSeries } from '../../../src/main/volumes/dicom-series-reader';
import { isCanonicalRas } from '../../../src/main/volumes/orientation';
import { readVolume } from '../../../src/main/volumes/read-volume';
import type { Volume } from '../../../src/main/volumes/volume';
import { tempDir } from '../../helpers/temp-dir';
import { copyHeadSeries, filesByPosition, patchString } from '../../helpers/volume-dicom-files';
import { expectSameVolume, expectUserError } from '../../helpers/volume-expect';
import { HEAD_DICOM, HEAD_NIFTI, headNiftiBytes, writeNifti, writeVolume } from '../../helpers/volume-nifti-files';
import { storeReoriented } from '../../helpers/volume-reorient';

let fromNifti: Volume;
beforeAll(async () => {
  fromNifti = await readVolume(HEAD_NIFTI);
});

describe('readVolume', () => {
  it('reads the head CT NIfTI and its shuffled LPS DICOM series to identical RAS volumes', async () => {
    const fromDicom = await readVolume(HEAD_DICOM);
    expect(fromDicom.dims).toEqual([80, 80, 54]);
    expect(fromDicom.data).toBeInstanceOf(Int16Array);
    expect(isCanonicalRas(fromDicom.affine)).toBe(true);
    expectSameVolume(fromDicom, fromNifti, 1e-3);
  });

  it('reads the same CT stored in any orientation to the same canonical voxels and affine', async () => {
    const dir = tempDir();
    const variants: [string, [number, number, number], [boolean, boolean, boolean]][] = [
      ['flip-i.nii.gz', [0, 1, 2], [true, false, false]],
      ['flip-j.nii', [0, 1, 2], [false, true, false]],
      ['flip-k.nii.gz', [0, 1, 2], [false, false, true]],
      ['lps.nii', [0, 1, 2], [true, true, false]],
      ['permuted-kij.nii.gz', [2, 0, 1], [false, false, false]],
      ['sagittal.nii', [1, 2, 0], [false, true, true]],
      ['all-flipped-permuted.nii.gz', [2, 1, 0], [true, true, true]],
    ];
    for (const [name, axes, flips] of variants) {
      const stored = storeReoriented(fromNifti, axes, flips);
      expect(isCanonicalRas(stored.affine)).toBe(false);
      const volume = await readVolume(writeVolume(dir, name, stored));
      expectSameVolume(volume, fromNifti, 1e-4);
    }
  });

  it('reads a DICOM folder as a series, honouring the chosen SeriesInstanceUID', async () => {
    const dir = copyHeadSeries(tempDir());
    const otherUid = '1.2.826.0.1.3680043.8.498.67859982188245406080723909468624297079';
    for (const file of filesByPosition(dir).slice(40)) patchString(file, 'x0020000e', otherUid);
    await expectUserError(readVolume(dir), 'SERIES_AMBIGUOUS', dir);
    const chosen = await readVolume(dir, { seriesInstanceUid: otherUid });
    expect(chosen.dims).toEqual([80, 80, 14]);
    // Canonical: the same as reading the series and reorienting nothing more than it needs.
    const stored = await readDicomSeries(dir, { seriesInstanceUid: otherUid });
    expect(isCanonicalRas(stored.affine)).toBe(false);
    expect(isCanonicalRas(chosen.affine)).toBe(true);
  });

  it('reads .nii and .NII.GZ names as NIfTI', async () => {
    const dir = tempDir();
    const upper = path.join(dir, 'HEAD.NII.GZ');
    fs.copyFileSync(HEAD_NIFTI, upper);
    expectSameVolume(await readVolume(upper), fromNifti, 0);
    expectSameVolume(await readVolume(writeNifti(dir, 'head.nii', headNiftiBytes())), fromNifti, 0);
  });

  it('refuses an unknown extension and a single DICOM file, and says when the source is missing', async () => {
    const dir = tempDir();
    const mha = path.join(dir, 'head.mha');
    fs.copyFileSync(HEAD_NIFTI, mha); // a perfectly good NIfTI under a name we do not read
    await expectUserError(readVolume(mha), 'VOLUME_UNSUPPORTED', mha, '.nii.gz');
    const single = path.join(HEAD_DICOM, 'IM0000.dcm');
    await expectUserError(readVolume(single), 'VOLUME_UNSUPPORTED', single, 'folder');
    const missing = path.join(dir, 'absent.nii.gz');
    await expectUserError(readVolume(missing), 'IO_ERROR', missing, 'does not exist');
  });
});
