/**
 * Preprocessing costs per CT: one 512x512x300 int16 CT at 0.7x0.7x1.0 mm (a typical abdominal
 * scan) through each preset, and the preprocessed-volume cache (a miss stores, a hit reads back).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeNifti } from '../src/main/volumes/nifti-writer';
import { preprocess } from '../src/main/volumes/preprocess';
import type { Preset } from '../src/main/volumes/preset-schema';
import { CTCLIP_PRESET, MERLIN_PRESET, SMALL_PRESET, TINY_PRESET } from '../src/main/volumes/presets';
import { VolumeCache } from '../src/main/volumes/volume-cache';
import type { Volume } from '../src/main/volumes/volume';
import { percentile, time, type Measurement } from './bench-utils';

/** Body ellipse with organs' HU, a spine, and -1024 outside the scan circle. */
function syntheticAbdomen(): Volume {
  const [nx, ny, nz] = [512, 512, 300];
  const [sx, sy, sz] = [0.7, 0.7, 1.0];
  const data = new Int16Array(nx * ny * nz);
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      const y = (j - ny / 2) * sy;
      for (let i = 0; i < nx; i += 1) {
        const x = (i - nx / 2) * sx;
        let hu = Math.hypot(x, y) < 170 ? -1000 : -1024;
        if ((x / 160) ** 2 + (y / 115) ** 2 < 1) hu = 30 + ((i * 7 + j * 13 + k * 5) % 40);
        if ((x / 25) ** 2 + ((y + 70) / 22) ** 2 < 1) hu = 700;
        data[i + nx * (j + ny * k)] = hu;
      }
    }
  }
  const affine = [sx, 0, 0, (-nx / 2) * sx, 0, sy, 0, (-ny / 2) * sy, 0, 0, sz, (-nz / 2) * sz, 0, 0, 0, 1];
  return { data, dims: [nx, ny, nz], affine };
}

async function medianMs(runs: number, action: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) times.push((await time(action)).ms);
  return percentile(times, 50);
}

export async function runPreprocessBench(): Promise<Measurement[]> {
  const ct = syntheticAbdomen();
  const measurements: Measurement[] = [];
  const presetRuns: [Preset, number, string?][] = [
    [MERLIN_PRESET, 3, '<= 1500 ms'],
    [CTCLIP_PRESET, 3],
    [SMALL_PRESET, 3],
    [TINY_PRESET, 3],
  ];
  preprocess(ct, TINY_PRESET); // warm up the compiler
  for (const [preset, runs, target] of presetRuns) {
    measurements.push({
      name: `preprocess 512x512x300 int16 → ${preset.name}, median of ${runs}`,
      value: await medianMs(runs, () => preprocess(ct, preset)),
      unit: 'ms',
      ...(target ? { target } : {}),
    });
  }

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-bench-'));
  try {
    const source = path.join(root, 'ct.nii');
    fs.writeFileSync(source, encodeNifti(ct));
    const cache = new VolumeCache(path.join(root, 'files', 'cache'));
    const compute = (): Promise<ReturnType<typeof preprocess>> => Promise.resolve(preprocess(ct, MERLIN_PRESET));
    const miss = await time(() => cache.getOrCreate('study', source, MERLIN_PRESET, compute));
    if (miss.result.hit) throw new Error('the first cache lookup should be a miss');
    measurements.push({
      name: 'cache miss, merlin (preprocess + sha256 of the 150 MiB source + store)',
      value: miss.ms,
      unit: 'ms',
    });
    const hits: number[] = [];
    for (let run = 0; run < 10; run += 1) {
      const hit = await time(() => cache.getOrCreate('study', source, MERLIN_PRESET, compute));
      if (!hit.result.hit) throw new Error('a repeated cache lookup should be a hit');
      hits.push(hit.ms);
    }
    measurements.push({
      name: 'cache hit, merlin 224x224x160 (uint16 .nii), median of 10',
      value: percentile(hits, 50),
      unit: 'ms',
      target: '<= 50 ms',
    });
    measurements.push({
      name: 'cache entry size, merlin',
      value: fs.statSync(miss.result.file).size / 2 ** 20,
      unit: 'MiB',
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return measurements;
}
