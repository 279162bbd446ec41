/**
 * t-SNE to 2-D with @keckelt/tsne: Karpathy's tsnejs (the reference browser t-SNE) ported to
 * TypeScript, MIT, with typings and a CommonJS build that Node's ESM loader and vitest both import.
 * Exact gradients, O(n²) per step: fine for evaluation cohorts of a few thousand studies.
 *
 * tsnejs draws its initial layout from gaussRandom(), which calls Math.random. A subclass overrides
 * gaussRandom with a SeededRandom normal so the same seed gives the same layout; the global
 * Math.random is never touched.
 */
import { TSNE } from '@keckelt/tsne';
import { SeededRandom } from '../../../../shared/seeded-random';
import { rowsToArrays } from './embedding-rows';

class SeededTsne extends TSNE {
  private readonly random: SeededRandom;

  constructor(options: { perplexity: number; dim: number }, seed: number) {
    super(options);
    this.random = new SeededRandom(seed);
  }

  override gaussRandom(): number {
    return this.random.normal();
  }
}

/** n × 2 row-major t-SNE layout (rows already checked, perplexity already clamped for n). */
export function tsneProjection(
  rows: Float32Array,
  n: number,
  dim: number,
  settings: { seed: number; perplexity: number; iterations: number },
): Float32Array {
  const tsne = new SeededTsne({ perplexity: settings.perplexity, dim: 2 }, settings.seed);
  tsne.initDataRaw(rowsToArrays(rows, n, dim));
  for (let step = 0; step < settings.iterations; step++) tsne.step();
  const solution = tsne.getSolution() as ArrayLike<number>[];
  const out = new Float32Array(n * 2);
  solution.forEach((point, row) => {
    out[row * 2] = point[0] ?? Number.NaN;
    out[row * 2 + 1] = point[1] ?? Number.NaN;
  });
  return out;
}
