/**
 * CT volume reading costs a user feels at import: reading a 512x512x300 int16 CT stored LPS-style
 * (i towards Left, j towards Posterior, as DICOM converters often write it) from .nii.gz and .nii,
 * and bringing it to canonical RAS; plus the reorientation on its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeNifti, encodeNiftiGz } from '../src/main/volumes/nifti-writer';
import { toCanonicalRas } from '../src/main/volumes/orientation';
import { readVolume } from '../src/main/volumes/read-volume';
import type { Volume } from '../src/main/volumes/volume';
import { SeededRandom } from '../src/shared/seeded-random';
import { percentile, time, type Measurement } from './bench-utils';

const DIMS: [number, number, number] = [512, 512, 300];
const RUNS = 3;

/** A body-shaped ellipse of noisy soft tissue in noisy air: gzips about as poorly as a real CT. */
function syntheticLpsCt(): Volume {
  const [nx, ny, nz] = DIMS;
  const data = new Int16Array(nx * ny * nz);
  const random = new SeededRandom(42);
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1) {
        const inside = ((i - 256) / 220) ** 2 + ((j - 256) / 160) ** 2 < 1;
        data[i + nx * (j + ny * k)] = inside ? 40 + random.int(-20, 21) : -1000 + random.int(-3, 4);
      }
    }
  }
  // LPS-style storage: RAS x and y columns negative, 0.7 x 0.7 x 1.5 mm.
  const affine = [-0.7, 0, 0, 179, 0, -0.7, 0, 179, 0, 0, 1.5, -225, 0, 0, 0, 1];
  return { data, dims: DIMS, affine };
}

export async function runReadVolumeBench(): Promise<Measurement[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-bench-volume-'));
  const measurements: Measurement[] = [];
  try {
    const volume = syntheticLpsCt();
    const gz = path.join(root, 'ct.nii.gz');
    const nii = path.join(root, 'ct.nii');
    fs.writeFileSync(gz, encodeNiftiGz(volume));
    fs.writeFileSync(nii, encodeNifti(volume));
    const label = `${DIMS.join('x')} int16, LPS-stored`;

    for (const [file, kind] of [
      [gz, `.nii.gz, ${(fs.statSync(gz).size / 2 ** 20).toFixed(0)} MiB`],
      [nii, '.nii'],
    ] as const) {
      const runs: number[] = [];
      for (let run = 0; run < RUNS; run += 1) runs.push((await time(() => readVolume(file))).ms);
      measurements.push({
        name: `readVolume ${label} (${kind}) -> RAS, median of ${RUNS}`,
        value: percentile(runs, 50),
        unit: 'ms',
      });
    }

    const reorients: number[] = [];
    for (let run = 0; run < RUNS; run += 1) reorients.push((await time(() => toCanonicalRas(volume))).ms);
    measurements.push({
      name: `toCanonicalRas alone (flip i and j), median of ${RUNS}`,
      value: percentile(reorients, 50),
      unit: 'ms',
      target: '< 1000 ms',
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return measurements;
}
