import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { preprocess, type PreprocessedVolume } from '../../../src/main/volumes/preprocess';
import type { Preset } from '../../../src/main/volumes/preset-schema';
import { TINY_PRESET } from '../../../src/main/volumes/presets';
import { VolumeCache } from '../../../src/main/volumes/volume-cache';
import type { Volume } from '../../../src/main/volumes/volume';
import { SeededRandom } from '../../../src/shared/seeded-random';
import { tempDir } from '../../helpers/temp-dir';

function randomCt(seed: number): Volume {
  const random = new SeededRandom(seed);
  const dims: [number, number, number] = [40, 36, 20];
  const data = Int16Array.from({ length: 40 * 36 * 20 }, () => Math.round(random.uniform(-1100, 1400)));
  return { data, dims, affine: [7, 0, 0, -140, 0, 7, 0, -120, 0, 0, 12, -100, 0, 0, 0, 1] };
}

/** A cache folder, a source file, and a compute function that counts its calls. */
function setup(preset: Preset = TINY_PRESET) {
  const root = tempDir();
  const source = path.join(root, 'study.nii.gz');
  fs.writeFileSync(source, 'the CT file (content only matters for the hash)');
  const cache = new VolumeCache(path.join(root, 'files', 'cache'));
  let calls = 0;
  const compute =
    (seed = 1) =>
    async (): Promise<PreprocessedVolume> => {
      calls += 1;
      await Promise.resolve();
      return preprocess(randomCt(seed), preset);
    };
  return { root, source, cache, compute, calls: () => calls };
}

function range(data: Float32Array): number {
  let min = Infinity;
  let max = -Infinity;
  for (const value of data) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  return max - min;
}

function filesUnder(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return (fs.readdirSync(folder, { recursive: true }) as string[]).filter((f) =>
    fs.statSync(path.join(folder, f)).isFile(),
  );
}

describe('volume cache', () => {
  it('stores on a miss and returns identical data on a hit, close to what was computed', async () => {
    const { source, cache, compute, calls } = setup();
    const first = await cache.getOrCreate('study-1', source, TINY_PRESET, compute());
    const second = await cache.getOrCreate('study-1', source, TINY_PRESET, compute());
    expect([first.hit, second.hit, calls()]).toEqual([false, true, 1]);
    expect(second.volume.data).toEqual(first.volume.data);
    expect(second.volume.dims).toEqual(first.volume.dims);
    expect(second.volume.affine).toEqual(first.volume.affine);
    expect(second.volume.presetName).toBe('tiny');

    const exact = preprocess(randomCt(1), TINY_PRESET);
    const tolerance = range(exact.data) / 65535;
    let worst = 0;
    exact.data.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - (second.volume.data[i] ?? NaN)))));
    expect(worst).toBeLessThanOrEqual(tolerance);
    expect(first.file).toBe(path.join(cache.folder, 'tiny', path.basename(first.file)));
  });

  it('writes a uint16 NIfTI with scl_slope/scl_inter that a viewer reads in real units', async () => {
    const { source, cache, compute } = setup();
    const { file, volume } = await cache.getOrCreate('study-1', source, TINY_PRESET, compute());
    const bytes = fs.readFileSync(file);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const header = nifti.readHeader(buffer);
    if (!header) throw new Error('no header');
    expect(header.datatypeCode).toBe(512);
    expect(header.dims.slice(1, 4)).toEqual([64, 64, 32]);
    const stored = new Uint16Array(nifti.readImage(header, buffer));
    [0, 1000, 70_000, stored.length - 1].forEach((i) =>
      expect((stored[i] ?? NaN) * header.scl_slope + header.scl_inter).toBeCloseTo(volume.data[i] ?? NaN, 5),
    );
    header.affine.flat().forEach((value, i) => expect(value).toBeCloseTo(volume.affine[i] ?? NaN, 4));
  });

  it('recomputes when the source file changes, not when it is only touched', async () => {
    const { source, cache, compute, calls } = setup();
    await cache.getOrCreate('s', source, TINY_PRESET, compute(1));
    // Same bytes, new mtime: the hash proves it unchanged.
    fs.utimesSync(source, new Date(2030, 0, 1), new Date(2030, 0, 1));
    expect((await cache.getOrCreate('s', source, TINY_PRESET, compute(1))).hit).toBe(true);
    expect(calls()).toBe(1);
    // New bytes: recomputed, and the new result is served from then on.
    fs.writeFileSync(source, 'a different CT');
    const changed = await cache.getOrCreate('s', source, TINY_PRESET, compute(2));
    expect([changed.hit, calls()]).toEqual([false, 2]);
    const again = await cache.getOrCreate('s', source, TINY_PRESET, compute(2));
    expect(again.hit).toBe(true);
    expect(again.volume.data).toEqual(changed.volume.data);
  });

  it('watches every file of a DICOM folder source', async () => {
    const { root, cache, compute, calls } = setup();
    const folder = path.join(root, 'dicom');
    fs.mkdirSync(path.join(folder, 'series'), { recursive: true });
    for (const name of ['a.dcm', 'b.dcm', 'series/c.dcm']) fs.writeFileSync(path.join(folder, name), `slice ${name}`);
    await cache.getOrCreate('s', folder, TINY_PRESET, compute());
    expect((await cache.getOrCreate('s', folder, TINY_PRESET, compute())).hit).toBe(true);
    fs.writeFileSync(path.join(folder, 'series/c.dcm'), 'slice c, edited');
    expect((await cache.getOrCreate('s', folder, TINY_PRESET, compute())).hit).toBe(false);
    fs.writeFileSync(path.join(folder, 'd.dcm'), 'one more slice');
    expect((await cache.getOrCreate('s', folder, TINY_PRESET, compute())).hit).toBe(false);
    expect(calls()).toBe(3);
  });

  it('recomputes when the preset definition changes', async () => {
    const { source, cache, compute, calls } = setup();
    await cache.getOrCreate('s', source, TINY_PRESET, compute());
    const narrower: Preset = { ...TINY_PRESET, intensity: { ...TINY_PRESET.intensity, huWindow: [-200, 300] } };
    const result = await cache.getOrCreate('s', source, narrower, compute());
    expect([result.hit, calls()]).toEqual([false, 2]);
    expect((await cache.getOrCreate('s', source, narrower, compute())).hit).toBe(true);
  });

  it('leaves no file behind when the computation fails, and keeps a good entry intact', async () => {
    const { root, source, cache, compute } = setup();
    const failing = () => Promise.reject(new Error('reader crashed'));
    await expect(cache.getOrCreate('s', source, TINY_PRESET, failing)).rejects.toThrow('reader crashed');
    expect(filesUnder(path.join(root, 'files'))).toEqual([]);

    const good = await cache.getOrCreate('s', source, TINY_PRESET, compute());
    const snapshot = (): string[][] =>
      filesUnder(cache.folder).map((f) => [
        f,
        createHash('sha256')
          .update(fs.readFileSync(path.join(cache.folder, f)))
          .digest('hex'),
      ]);
    const before = snapshot();
    fs.writeFileSync(source, 'changed, and the new computation fails');
    await expect(cache.getOrCreate('s', source, TINY_PRESET, failing)).rejects.toThrow('reader crashed');
    expect(snapshot()).toEqual(before); // no temporary or half-written file, the old entry untouched
    expect(good.hit).toBe(false);
  });

  it('recomputes an entry whose NIfTI file was damaged', async () => {
    const { source, cache, compute, calls } = setup();
    const { file } = await cache.getOrCreate('s', source, TINY_PRESET, compute());
    fs.truncateSync(file, 1000);
    const result = await cache.getOrCreate('s', source, TINY_PRESET, compute());
    expect([result.hit, calls()]).toEqual([false, 2]);
    expect(fs.statSync(file).size).toBe(352 + 2 * 64 * 64 * 32);
  });

  it('shares one computation between concurrent requests, and keeps keys apart', async () => {
    const { source, cache, compute, calls } = setup();
    const [a, b] = await Promise.all([
      cache.getOrCreate('same', source, TINY_PRESET, compute()),
      cache.getOrCreate('same', source, TINY_PRESET, compute()),
    ]);
    expect(calls()).toBe(1);
    expect(b.volume.data).toEqual(a.volume.data);
    const other = await cache.getOrCreate('../other key/with:odd chars', source, TINY_PRESET, compute());
    expect(other.hit).toBe(false);
    expect(path.dirname(other.file)).toBe(path.join(cache.folder, 'tiny'));
    expect(calls()).toBe(2);
  });
});
