/**
 * Multiplicative bias field, the form of TorchIO's RandomBiasField (which MedCT-VLM used):
 *
 *   field(x, y, z) = exp( Σ_{a+b+c <= order} coef_abc · x^a · y^b · z^c ),
 *
 * with x, y, z the voxel centres rescaled to [−1, 1] along each axis and the coefficients in
 * TorchIO's order (a outer, then b, then c, each from 0). Each coefficient is drawn uniform in
 * [−k, k] (k = 0.5 in Table 2), so, as every monomial lies in [−1, 1],
 *   exp(−Σ|coef|) <= field <= exp(Σ|coef|), and |∂ log field / ∂x| <= Σ |coef_abc| · a,
 * i.e. the field is smooth: a low-order polynomial in the exponent.
 *
 * Applied to the intensity above the background (the volume's minimum, `floor`):
 * I' = floor + (I − floor) · field. For [0, 1] data whose background is 0 this is exactly
 * TorchIO's I · field; for [−1, 1] data it keeps air at −1 instead of darkening it.
 */
import { BugError } from '../../../shared/errors';
import { biasFieldTermCount } from './augmentation-params';

/** Normalised coordinate of each voxel index along an axis of `size` voxels. */
function axisCoordinates(size: number): Float64Array {
  const half = (size - 1) / 2;
  return Float64Array.from({ length: size }, (_, index) => (half > 0 ? (index - half) / half : 0));
}

/**
 * Evaluates the field row by row (nested Horner in z, then y, then x, then exp) and hands each
 * row (i = 0 … nx − 1 at data offset `rowStart`) to `visit`; the row buffer is reused.
 */
function forEachFieldRow(
  dims: readonly [number, number, number],
  order: number,
  coefficients: readonly number[],
  visit: (rowStart: number, row: Float64Array) => void,
): void {
  if (coefficients.length !== biasFieldTermCount(order)) {
    throw new BugError(`A bias field of order ${order} needs ${biasFieldTermCount(order)} coefficients.`);
  }
  const [nx, ny, nz] = dims;
  const [xs, ys, zs] = [axisCoordinates(nx), axisCoordinates(ny), axisCoordinates(nz)];
  // index of coefficient (a, b, c) in TorchIO's loop order
  const index: number[][][] = [];
  let next = 0;
  for (let a = 0; a <= order; a += 1) {
    index[a] = [];
    for (let b = 0; b <= order - a; b += 1) {
      const row: number[] = [];
      for (let c = 0; c <= order - a - b; c += 1) row[c] = next++;
      (index[a] as number[][])[b] = row;
    }
  }
  const coefficient = (a: number, b: number, c: number): number => coefficients[index[a]?.[b]?.[c] ?? -1] as number;

  const row = new Float64Array(nx);
  const perAB = new Float64Array((order + 1) * (order + 1)); // Σ_c coef_abc z^c
  const perA = new Float64Array(order + 1); // Σ_b perAB y^b
  for (let k = 0; k < nz; k += 1) {
    const z = zs[k] as number;
    for (let a = 0; a <= order; a += 1) {
      for (let b = 0; b <= order - a; b += 1) {
        let sum = 0;
        for (let c = order - a - b; c >= 0; c -= 1) sum = sum * z + coefficient(a, b, c);
        perAB[a * (order + 1) + b] = sum;
      }
    }
    for (let j = 0; j < ny; j += 1) {
      const y = ys[j] as number;
      for (let a = 0; a <= order; a += 1) {
        let sum = 0;
        for (let b = order - a; b >= 0; b -= 1) sum = sum * y + (perAB[a * (order + 1) + b] as number);
        perA[a] = sum;
      }
      const rowStart = nx * (j + ny * k);
      for (let i = 0; i < nx; i += 1) {
        const x = xs[i] as number;
        let sum = 0;
        for (let a = order; a >= 0; a -= 1) sum = sum * x + (perA[a] as number);
        row[i] = Math.exp(sum);
      }
      visit(rowStart, row);
    }
  }
}

/** The field itself, one value per voxel. */
export function biasField(
  dims: readonly [number, number, number],
  order: number,
  coefficients: readonly number[],
): Float32Array {
  const field = new Float32Array(dims[0] * dims[1] * dims[2]);
  forEachFieldRow(dims, order, coefficients, (rowStart, row) => field.set(row, rowStart));
  return field;
}

export function applyBiasFieldInPlace(
  data: Float32Array,
  dims: readonly [number, number, number],
  order: number,
  coefficients: readonly number[],
  floor: number,
): void {
  forEachFieldRow(dims, order, coefficients, (rowStart, row) => {
    for (let i = 0; i < row.length; i += 1) {
      data[rowStart + i] = floor + ((data[rowStart + i] as number) - floor) * (row[i] as number);
    }
  });
}
