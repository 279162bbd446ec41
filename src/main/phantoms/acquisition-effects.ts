/**
 * What a scanner does to the ideal HU scene: in-plane blur of its reconstruction kernel,
 * Gaussian noise (white for a sharp kernel, in-plane correlated for a soft one, scaled to the
 * requested SD), a calibration offset, then rounding to whole HU in the int16 CT range.
 */
import type { SeededRandom } from '../../shared/seeded-random';
import type { PhantomGrid } from './phantom-grid';
import type { AcquisitionParams } from './scanner-profiles';

const MIN_HU = -1024;
const MAX_HU = 3071;

export function applyAcquisition(
  ideal: Float32Array,
  grid: PhantomGrid,
  params: AcquisitionParams,
  random: SeededRandom,
): Int16Array {
  const image = params.kernelBlur > 0 ? blurInPlane(ideal, grid.dims, params.kernelBlur) : ideal;
  let noise: Float32Array = new Float32Array(ideal.length);
  for (let i = 0; i < noise.length; i += 1) noise[i] = random.normal();
  let noiseScale = params.noiseSdHu;
  const c = params.noiseCorrelation;
  if (c > 0) {
    noise = blurInPlane(noise, grid.dims, c);
    // Each 1-D pass [c, 1-2c, c] scales white noise's SD by sqrt(2c² + (1-2c)²).
    const perPass = Math.sqrt(2 * c * c + (1 - 2 * c) ** 2);
    noiseScale /= perPass * perPass;
  }
  const out = new Int16Array(ideal.length);
  for (let i = 0; i < out.length; i += 1) {
    const value = (image[i] ?? 0) + (noise[i] ?? 0) * noiseScale + params.huOffset;
    out[i] = Math.max(MIN_HU, Math.min(MAX_HU, Math.round(value)));
  }
  return out;
}

/** Separable [w, 1-2w, w] filter along x then y (edges repeat the border voxel). */
export function blurInPlane(data: Float32Array, dims: readonly [number, number, number], weight: number): Float32Array {
  const [nx, ny, nz] = dims;
  const centre = 1 - 2 * weight;
  const alongX = new Float32Array(data.length);
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      const row = nx * (j + ny * k);
      for (let i = 0; i < nx; i += 1) {
        const left = data[row + Math.max(0, i - 1)] ?? 0;
        const right = data[row + Math.min(nx - 1, i + 1)] ?? 0;
        alongX[row + i] = centre * (data[row + i] ?? 0) + weight * (left + right);
      }
    }
  }
  const out = new Float32Array(data.length);
  for (let k = 0; k < nz; k += 1) {
    const slice = nx * ny * k;
    for (let j = 0; j < ny; j += 1) {
      const up = slice + nx * Math.max(0, j - 1);
      const here = slice + nx * j;
      const down = slice + nx * Math.min(ny - 1, j + 1);
      for (let i = 0; i < nx; i += 1) {
        out[here + i] = centre * (alongX[here + i] ?? 0) + weight * ((alongX[up + i] ?? 0) + (alongX[down + i] ?? 0));
      }
    }
  }
  return out;
}
