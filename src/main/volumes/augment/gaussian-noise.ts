/**
 * Additive zero-mean Gaussian noise with standard deviation `sigma` in normalised intensity units
 * (MedCT-VLM Table 2: σ = 0.15 "post-normalization"), from SeededRandom(seed). In place.
 *
 * The normals come from SeededRandom's uniforms through Marsaglia's polar method (two normals per
 * accepted pair, one log and one sqrt, no sin/cos), which is faster over ~10⁷ voxels than
 * SeededRandom.normal()'s Box–Muller and just as exact.
 */
import { SeededRandom } from '../../../shared/seeded-random';

export function addGaussianNoiseInPlace(data: Float32Array, sigma: number, seed: number): void {
  if (sigma === 0) return;
  const random = new SeededRandom(seed);
  const length = data.length;
  let n = 0;
  while (n < length) {
    const u = 2 * random.next() - 1;
    const v = 2 * random.next() - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const factor = sigma * Math.sqrt((-2 * Math.log(s)) / s);
    data[n] = (data[n] as number) + u * factor;
    if (n + 1 < length) data[n + 1] = (data[n + 1] as number) + v * factor;
    n += 2;
  }
}
