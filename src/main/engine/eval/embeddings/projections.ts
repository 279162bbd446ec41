/**
 * 2-D projections of embeddings for scatter plots: PCA, t-SNE or UMAP, each by a maintained MIT
 * library (ml-pca, @keckelt/tsne, umap-js; see the per-method files), never a hand-written
 * algorithm. Synchronous (all three libraries are); run it in a worker for large cohorts.
 */
import { assertRows } from './embedding-rows';
import { pcaProjection } from './pca-projection';
import { effectiveProjectionOptions, type ProjectionMethod, type ProjectionOptions } from './projection-options';
import { tsneProjection } from './tsne-projection';
import { umapProjection } from './umap-projection';

export {
  DEFAULT_PROJECTION_ITERATIONS,
  DEFAULT_PROJECTION_OPTIONS,
  MIN_PROJECTION_ROWS,
  PROJECTION_METHODS,
  ProjectionMethodSchema,
  ProjectionOptionsSchema,
  effectiveProjectionOptions,
  type EffectiveProjectionOptions,
  type ProjectionMethod,
  type ProjectionOptions,
} from './projection-options';

/**
 * n × 2 row-major coordinates of the rows (n × dim row-major), projected as given (not
 * normalised). Same rows, method and options ⇒ the same output; t-SNE and UMAP depend on `seed`.
 * Perplexity and neighbours are clamped for small n (see effectiveProjectionOptions). n = 0 gives
 * an empty array; 1 ≤ n < MIN_PROJECTION_ROWS[method] or invalid options throw a UserError.
 */
export function projectEmbeddings(
  rows: Float32Array,
  n: number,
  dim: number,
  method: ProjectionMethod,
  options?: ProjectionOptions,
): Float32Array {
  assertRows(rows, n, dim, 'projectEmbeddings');
  const settings = effectiveProjectionOptions(method, n, options);
  if (n === 0) return new Float32Array(0);
  switch (method) {
    case 'pca':
      return pcaProjection(rows, n, dim);
    case 'tsne':
      return tsneProjection(rows, n, dim, settings);
    case 'umap':
      return umapProjection(rows, n, dim, settings);
  }
}
