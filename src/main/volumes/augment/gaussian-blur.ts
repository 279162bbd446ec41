/**
 * Separable Gaussian blur with σ in voxels per axis, in place. The kernel is cut at 3σ and
 * normalised to sum 1 (so the total of an interior structure is kept); borders are mirrored as
 * in scipy.ndimage's "reflect" mode (d c b a | a b c d), which TorchIO's RandomBlur uses.
 * A σ of 0 leaves that axis alone.
 */

/** Normalised half-kernel: weights[0] is the centre, weights[t] applies at ±t. */
export function gaussianHalfKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const weights = new Float64Array(radius + 1);
  let total = 0;
  for (let t = 0; t <= radius; t += 1) {
    const w = Math.exp(-(t * t) / (2 * sigma * sigma));
    weights[t] = w;
    total += t === 0 ? w : 2 * w;
  }
  for (let t = 0; t <= radius; t += 1) weights[t] = (weights[t] as number) / total;
  return weights;
}

/** Index p folded back into [0, n) by mirroring about the edges. */
function reflect(p: number, n: number): number {
  const period = 2 * n;
  let m = p % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

export function gaussianBlurInPlace(
  data: Float32Array,
  dims: readonly [number, number, number],
  sigmaVoxels: readonly [number, number, number],
): void {
  if (sigmaVoxels[0] > 0) blurAlongX(data, dims, gaussianHalfKernel(sigmaVoxels[0]));
  if (sigmaVoxels[1] > 0) blurAlongY(data, dims, gaussianHalfKernel(sigmaVoxels[1]));
  if (sigmaVoxels[2] > 0) blurAlongZ(data, dims, gaussianHalfKernel(sigmaVoxels[2]));
}

function blurAlongX(data: Float32Array, dims: readonly [number, number, number], kernel: Float64Array): void {
  const [nx, ny, nz] = dims;
  const radius = kernel.length - 1;
  const padded = new Float64Array(nx + 2 * radius);
  const source = new Int32Array(nx + 2 * radius);
  for (let p = 0; p < source.length; p += 1) source[p] = reflect(p - radius, nx);
  const w0 = kernel[0] as number;
  for (let row = 0; row < ny * nz; row += 1) {
    const start = row * nx;
    for (let p = 0; p < padded.length; p += 1) padded[p] = data[start + (source[p] as number)] as number;
    for (let i = 0; i < nx; i += 1) {
      const centre = i + radius;
      let sum = w0 * (padded[centre] as number);
      for (let t = 1; t <= radius; t += 1) {
        sum += (kernel[t] as number) * ((padded[centre - t] as number) + (padded[centre + t] as number));
      }
      data[start + i] = sum;
    }
  }
}

/** Rows of a slice are combined whole (contiguous, cache-friendly), from a copy of the slice. */
function blurAlongY(data: Float32Array, dims: readonly [number, number, number], kernel: Float64Array): void {
  const [nx, ny, nz] = dims;
  const radius = kernel.length - 1;
  const w0 = kernel[0] as number;
  const slice = new Float32Array(nx * ny);
  const sum = new Float64Array(nx);
  for (let k = 0; k < nz; k += 1) {
    const sliceStart = nx * ny * k;
    slice.set(data.subarray(sliceStart, sliceStart + nx * ny));
    for (let j = 0; j < ny; j += 1) {
      const centre = nx * j;
      for (let i = 0; i < nx; i += 1) sum[i] = w0 * (slice[centre + i] as number);
      for (let t = 1; t <= radius; t += 1) {
        const w = kernel[t] as number;
        const below = nx * reflect(j - t, ny);
        const above = nx * reflect(j + t, ny);
        for (let i = 0; i < nx; i += 1) {
          sum[i] = (sum[i] as number) + w * ((slice[below + i] as number) + (slice[above + i] as number));
        }
      }
      const to = sliceStart + nx * j;
      for (let i = 0; i < nx; i += 1) data[to + i] = sum[i] as number;
    }
  }
}

/** Whole slices are combined; the input is read from a copy of the volume. */
function blurAlongZ(data: Float32Array, dims: readonly [number, number, number], kernel: Float64Array): void {
  const [nx, ny, nz] = dims;
  const radius = kernel.length - 1;
  const w0 = kernel[0] as number;
  const plane = nx * ny;
  const copy = data.slice();
  const sum = new Float64Array(plane);
  for (let k = 0; k < nz; k += 1) {
    const centre = plane * k;
    for (let p = 0; p < plane; p += 1) sum[p] = w0 * (copy[centre + p] as number);
    for (let t = 1; t <= radius; t += 1) {
      const w = kernel[t] as number;
      const below = plane * reflect(k - t, nz);
      const above = plane * reflect(k + t, nz);
      for (let p = 0; p < plane; p += 1) {
        sum[p] = (sum[p] as number) + w * ((copy[below + p] as number) + (copy[above + p] as number));
      }
    }
    data.set(sum, plane * k);
  }
}
