/**
 * UMAP to 2-D with umap-js (Google PAIR's port of umap-learn; MIT, typed, used by the Embedding
 * Projector). It takes its random source as a parameter, so a SeededRandom makes it reproducible.
 */
import { UMAP } from 'umap-js';
import { SeededRandom } from '../../../../shared/seeded-random';
import { rowsToArrays } from './embedding-rows';

/** n × 2 row-major UMAP layout (rows already checked, neighbours already clamped below n). */
export function umapProjection(
  rows: Float32Array,
  n: number,
  dim: number,
  settings: { seed: number; neighbors: number; minDist: number; iterations: number },
): Float32Array {
  const random = new SeededRandom(settings.seed);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: settings.neighbors,
    minDist: settings.minDist,
    nEpochs: settings.iterations,
    random: () => random.next(),
  });
  const layout = umap.fit(rowsToArrays(rows, n, dim));
  const out = new Float32Array(n * 2);
  layout.forEach((point, row) => {
    out[row * 2] = point[0] ?? Number.NaN;
    out[row * 2 + 1] = point[1] ?? Number.NaN;
  });
  return out;
}
