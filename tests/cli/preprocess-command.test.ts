import fs from 'node:fs';
import path from 'node:path';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { encodeNiftiGz } from '../../src/main/volumes/nifti-writer';
import { preprocess } from '../../src/main/volumes/preprocess';
import { TINY_PRESET } from '../../src/main/volumes/presets';
import { readVolume } from '../../src/main/volumes/read-volume';
import { SHARED_FIXTURES } from '../helpers/paths';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';

function readNifti(file: string): { header: nifti.NIFTI1 | nifti.NIFTI2; image: ArrayBuffer } {
  const bytes = fs.readFileSync(file);
  let data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  const header = nifti.readHeader(data);
  if (!header) throw new Error(`${file} has no NIfTI header`);
  return { header, image: nifti.readImage(header, data) };
}

/** A small synthetic CT written as NIfTI: a ramp of HU over a 90 x 80 x 30 grid at 4 x 4 x 9 mm. */
function writeInputCt(): string {
  const dims: [number, number, number] = [90, 80, 30];
  const data = Int16Array.from({ length: 90 * 80 * 30 }, (_, n) => ((n * 37) % 3000) - 1200);
  const file = path.join(tempDir(), 'ct.nii.gz');
  fs.writeFileSync(
    file,
    encodeNiftiGz({ data, dims, affine: [4, 0, 0, -180, 0, 4, 0, -160, 0, 0, 9, -135, 0, 0, 0, 1] }),
  );
  return file;
}

describe('ctvlm preprocess', () => {
  it('writes what the model sees as a float32 NIfTI with the output affine', async () => {
    const input = writeInputCt();
    const output = path.join(tempDir(), 'out', 'tiny.nii.gz');
    const result = await ctvlm(['preprocess', input, '--preset', 'tiny', '-o', output]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Wrote .*tiny\.nii\.gz \(tiny\): 64x64x32 voxels, 6\.00 x 6\.00 x 10\.00 mm, values 0\.000 to 1\.000\n$/,
    );

    const expected = preprocess(await readVolume(input), TINY_PRESET);
    const { header, image } = readNifti(output);
    expect(header.dims.slice(0, 4)).toEqual([3, 64, 64, 32]);
    expect(header.datatypeCode).toBe(16);
    header.affine.flat().forEach((value, i) => expect(value).toBeCloseTo(expected.affine[i] ?? NaN, 4));
    expect(new Float32Array(image)).toEqual(expected.data);
  });

  it('prints JSON with --json, takes a preset file and writes .nii uncompressed', async () => {
    const presetFile = path.join(tempDir(), 'coarse.json');
    fs.writeFileSync(
      presetFile,
      JSON.stringify({
        ...TINY_PRESET,
        name: 'coarse',
        spacing: { mm: [12, 12, 18], grid: 'monai-spacing' },
        output: { size: [32, 32, 16], padValue: 0 },
      }),
    );
    const output = path.join(tempDir(), 'coarse.nii');
    const result = await ctvlm(['--json', 'preprocess', writeInputCt(), '--preset', presetFile, '-o', output]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      preset: string;
      dims: number[];
      spacingMm: number[];
      range: { min: number; max: number };
    };
    expect(summary).toMatchObject({ preset: 'coarse', dims: [32, 32, 16], range: { min: 0, max: 1 } });
    summary.spacingMm.forEach((mm, axis) => expect(mm).toBeCloseTo([12, 12, 18][axis] ?? NaN, 6));
    const { header } = readNifti(output);
    expect(header.dims.slice(1, 4)).toEqual([32, 32, 16]);
    expect(fs.readFileSync(output).subarray(344, 348).toString('latin1')).toBe('n+1\0'); // not gzipped
  });

  it('reads a DICOM folder', async () => {
    const output = path.join(tempDir(), 'head.nii.gz');
    const result = await ctvlm([
      'preprocess',
      `${SHARED_FIXTURES}/ct/head-ct-small-dicom`,
      '--preset',
      'tiny',
      '-o',
      output,
    ]);
    expect(result.code).toBe(0);
    expect(readNifti(output).header.dims.slice(1, 4)).toEqual([64, 64, 32]);
  });

  it('exits 1 with the reader’s message for bad input, and writes nothing', async () => {
    const folder = tempDir();
    const notCt = path.join(folder, 'notes.nii.gz');
    fs.writeFileSync(notCt, 'not a NIfTI file');
    const output = path.join(folder, 'out.nii.gz');
    const bad = await ctvlm(['preprocess', notCt, '--preset', 'tiny', '-o', output]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('notes.nii.gz');
    const missing = await ctvlm([
      '--json',
      'preprocess',
      path.join(folder, 'absent.nii.gz'),
      '--preset',
      'tiny',
      '-o',
      output,
    ]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: { kind: 'user' } });
    const wrongName = await ctvlm([
      'preprocess',
      writeInputCt(),
      '--preset',
      'tiny',
      '-o',
      path.join(folder, 'out.png'),
    ]);
    expect(wrongName.code).toBe(1);
    expect(wrongName.stderr).toContain('must end in .nii.gz');
    const unknownPreset = await ctvlm(['preprocess', writeInputCt(), '--preset', 'huge', '-o', output]);
    expect(unknownPreset.code).toBe(1);
    expect(fs.readdirSync(folder)).toEqual(['notes.nii.gz']);
  });
});
