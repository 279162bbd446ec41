/**
 * CT augmentation cost on a 224×224×160 volume (CT-CLIP's input size): one full augmentation
 * (MedCT-VLM Table 2, every transform forced on), the spatial pass alone, the intensity
 * transforms alone, and the prefetched stream's throughput with one worker thread.
 *
 * Run alone: node --import tsx bench/augment.bench.ts (prints and saves to bench/results/).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyAugmentation } from '../src/main/volumes/augment/apply-augmentation';
import type { AugmentVolume } from '../src/main/volumes/augment/augment-volume';
import { defaultAugmentationConfig, withAllProbabilities } from '../src/main/volumes/augment/augmentation-config';
import { identityAugmentation, type AugmentationParams } from '../src/main/volumes/augment/augmentation-params';
import { createAugmentedStream } from '../src/main/volumes/augment/augmented-stream';
import { sampleAugmentationAt } from '../src/main/volumes/augment/sample-seed';
import { percentile, print, save, time, type Measurement } from './bench-utils';

const DIMS: [number, number, number] = [224, 224, 160];
const SPACING: [number, number, number] = [1.5, 1.5, 1.875];

/** A chest-like volume in [0, 1]: air, an elliptic body with texture, two lungs. */
function chestVolume(): AugmentVolume {
  const [nx, ny, nz] = DIMS;
  const data = new Float32Array(nx * ny * nz);
  let n = 0;
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1, n += 1) {
        const x = (i - nx / 2) / (nx * 0.42);
        const y = (j - ny / 2) / (ny * 0.32);
        if (x * x + y * y > 1) continue;
        const lung = Math.hypot(Math.abs(x) - 0.45, y) < 0.35;
        const texture = 0.05 * Math.sin(i * 0.31) * Math.cos(j * 0.27 + k * 0.19);
        data[n] = lung ? 0.1 + texture : 0.55 + texture;
      }
    }
  }
  return { data, dims: DIMS, spacingMm: SPACING };
}

async function medianMs(runs: number, action: () => unknown): Promise<number> {
  action(); // warm-up (JIT)
  const times: number[] = [];
  for (let r = 0; r < runs; r += 1) times.push((await time(action)).ms);
  return percentile(times, 50);
}

export async function runAugmentBench(): Promise<Measurement[]> {
  const volume = chestVolume();
  const allOn = withAllProbabilities(defaultAugmentationConfig(), 1);
  const full = sampleAugmentationAt({ seed: 1, epoch: 0, index: 0 }, allOn);
  const spatialOnly: AugmentationParams = {
    ...identityAugmentation(),
    rotation: full.rotation,
    scaling: full.scaling,
    translation: full.translation,
    elastic: full.elastic,
    flip: full.flip,
  };
  const intensityOnly: AugmentationParams = {
    ...identityAugmentation(),
    gamma: full.gamma,
    biasField: full.biasField,
    blur: full.blur,
    noise: full.noise,
  };
  const measurements: Measurement[] = [];
  const label = DIMS.join('x');

  measurements.push({
    name: `full augmentation, all transforms on (${label}), median of 5`,
    value: await medianMs(5, () => applyAugmentation(volume, full)),
    unit: 'ms',
  });
  measurements.push({
    name: `spatial only: affine + elastic + flips, one pass, median of 5`,
    value: await medianMs(5, () => applyAugmentation(volume, spatialOnly)),
    unit: 'ms',
  });
  measurements.push({
    name: `intensity only: gamma + bias + blur + noise, median of 5`,
    value: await medianMs(5, () => applyAugmentation(volume, intensityOnly)),
    unit: 'ms',
  });

  // The stream with the paper's probabilities, 1 worker, loading a copy of the volume per item.
  const items = Array.from({ length: 12 }, (_, n) => n);
  const load = (): Promise<AugmentVolume> => Promise.resolve({ ...volume, data: volume.data.slice() });
  const streamed = await time(async () => {
    let count = 0;
    for await (const _sample of createAugmentedStream(items, load, { seed: 1, epoch: 0, prefetch: 2, workers: 1 })) {
      count += 1;
    }
    return count;
  });
  measurements.push({
    name: `prefetched stream, 1 worker, prefetch 2, Table 2 probabilities (${streamed.result} samples)`,
    value: streamed.result / (streamed.ms / 1000),
    unit: 'samples/s',
  });
  measurements.push({
    name: 'prefetched stream, 1 worker: wall time per sample (incl. worker start)',
    value: streamed.ms / streamed.result,
    unit: 'ms',
  });
  return measurements;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const measurements = await runAugmentBench();
  print('CT augmentation', measurements);
  console.log(`\nSaved to ${save('augment', measurements)}`);
}
