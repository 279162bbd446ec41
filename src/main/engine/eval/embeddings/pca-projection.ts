/**
 * PCA to 2-D with ml-pca (mljs; MIT, maintained by the mljs organisation, SVD from ml-matrix):
 * the rows centred (not scaled) and projected on the first two principal axes. Deterministic.
 */
import { PCA } from 'ml-pca';
import { rowsToArrays } from './embedding-rows';

/** n × 2 row-major scores on the first two principal components (n ≥ 2, rows already checked). */
export function pcaProjection(rows: Float32Array, n: number, dim: number): Float32Array {
  const data = rowsToArrays(rows, n, dim);
  const pca = new PCA(data, { center: true, scale: false });
  // With dim = 1 (or rank-deficient data) ml-pca has fewer than 2 axes; the missing one is 0.
  const components = Math.min(2, pca.getEigenvectors().columns);
  const scores = pca.predict(data, { nComponents: components });
  const out = new Float32Array(n * 2);
  for (let row = 0; row < n; row++) {
    for (let axis = 0; axis < components; axis++) out[row * 2 + axis] = scores.get(row, axis);
  }
  return out;
}
