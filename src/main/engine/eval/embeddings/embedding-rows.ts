/**
 * Checks and conversions for row-major embedding buffers (n rows × dim, Float32Array) shared by the
 * retrieval, similarity and projection helpers of zero-shot evaluation.
 */
import { BugError } from '../../../../shared/errors';

/** Norms below this are treated as this (as torch.nn.functional.normalize's eps), so zero rows stay finite. */
const NORM_EPSILON = 1e-12;

/** Throws a BugError unless `rows` holds exactly n × dim finite values (n ≥ 0, dim ≥ 1 integers). */
export function assertRows(rows: Float32Array, n: number, dim: number, name = 'embeddings'): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(dim) || dim < 1) {
    throw new BugError(`${name}: n must be an integer ≥ 0 and dim an integer ≥ 1; got n=${n}, dim=${dim}.`);
  }
  if (rows.length !== n * dim) {
    throw new BugError(`${name}: expected ${n} × ${dim} = ${n * dim} values, got ${rows.length}.`);
  }
  for (let index = 0; index < rows.length; index++) {
    if (!Number.isFinite(rows[index])) {
      throw new BugError(`${name}: row ${Math.floor(index / dim)} holds a non-finite value.`);
    }
  }
}

/**
 * Each row divided by its L2 norm, in float64 so cosines are computed at full precision. The model
 * already normalises its embeddings; this is the defensive copy cosine needs. An all-zero row stays
 * zero (its cosine with anything is 0).
 */
export function normalizedRows(rows: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n * dim);
  for (let row = 0; row < n; row++) {
    const offset = row * dim;
    let squared = 0;
    for (let k = 0; k < dim; k++) {
      const value = rows[offset + k] ?? 0;
      squared += value * value;
    }
    const scale = 1 / Math.max(Math.sqrt(squared), NORM_EPSILON);
    for (let k = 0; k < dim; k++) out[offset + k] = (rows[offset + k] ?? 0) * scale;
  }
  return out;
}

/** Dot product of row i of `a` with row j of `b` (both row-major with `dim` columns). */
export function rowDot(a: Float64Array, i: number, b: Float64Array, j: number, dim: number): number {
  const offsetA = i * dim;
  const offsetB = j * dim;
  let sum = 0;
  for (let k = 0; k < dim; k++) sum += (a[offsetA + k] ?? 0) * (b[offsetB + k] ?? 0);
  return sum;
}

/** The rows as plain number arrays, the input format of ml-pca, @keckelt/tsne and umap-js. */
export function rowsToArrays(rows: Float32Array, n: number, dim: number): number[][] {
  const out: number[][] = [];
  for (let row = 0; row < n; row++) out.push(Array.from(rows.subarray(row * dim, (row + 1) * dim)));
  return out;
}
