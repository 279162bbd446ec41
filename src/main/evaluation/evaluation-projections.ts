/**
 * PCA, t-SNE and UMAP of an evaluation's image and report embeddings together (one plot shows both
 * modalities and how far apart they lie), seeded. t-SNE costs O(n²) per step, so it is skipped, with
 * the reason recorded, above MAX_TSNE_ROWS rows (1,000 rows take about 25 s on one core); PCA and UMAP run on any size the job can hold.
 */
import { MIN_PROJECTION_ROWS, PROJECTION_METHODS, projectEmbeddings } from '../engine/eval/embeddings/projections';
import type { ProjectionsFile } from './evaluation-files';

export const MAX_TSNE_ROWS = 2000;

export function evaluationProjections(
  rows: Float32Array,
  rowIds: ProjectionsFile['rows'],
  dim: number,
  seed: number,
  onMethod: (method: string) => void = () => undefined,
): ProjectionsFile {
  const n = rowIds.length;
  const methods: ProjectionsFile['methods'] = {};
  const skipped: ProjectionsFile['skipped'] = {};
  for (const method of PROJECTION_METHODS) {
    if (n < MIN_PROJECTION_ROWS[method]) {
      skipped[method] = `needs at least ${MIN_PROJECTION_ROWS[method]} embeddings, there are ${n}`;
      continue;
    }
    if (method === 'tsne' && n > MAX_TSNE_ROWS) {
      skipped[method] =
        `${n} embeddings: t-SNE is limited to ${MAX_TSNE_ROWS} here (its cost grows with n²); use PCA or UMAP`;
      continue;
    }
    onMethod(method);
    const xy = projectEmbeddings(rows, n, dim, method, { seed });
    methods[method] = { points: Array.from({ length: n }, (_, i) => [xy[2 * i] ?? 0, xy[2 * i + 1] ?? 0]) };
  }
  return { rows: rowIds, methods, skipped };
}
