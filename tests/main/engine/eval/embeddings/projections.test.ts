import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../../../../src/shared/errors';
import { SeededRandom } from '../../../../../src/shared/seeded-random';
import {
  DEFAULT_PROJECTION_OPTIONS,
  ProjectionMethodSchema,
  effectiveProjectionOptions,
  projectEmbeddings,
  type ProjectionMethod,
} from '../../../../../src/main/engine/eval/embeddings/projections';

const DIM = 8;
const PER_CLUSTER = 20;

/** Two Gaussian clusters (σ = 1) in 8-D whose centres are 16 apart; rows alternate A, B, A, B, … */
function twoClusters(seed: number): { rows: Float32Array; labels: number[] } {
  const random = new SeededRandom(seed);
  const n = 2 * PER_CLUSTER;
  const rows = new Float32Array(n * DIM);
  const labels: number[] = [];
  for (let row = 0; row < n; row++) {
    const cluster = row % 2;
    labels.push(cluster);
    for (let k = 0; k < DIM; k++) rows[row * DIM + k] = (cluster === 1 ? 16 / Math.sqrt(DIM) : 0) + random.normal();
  }
  return { rows, labels };
}

function distance2d(points: Float32Array, i: number, j: number): number {
  return Math.hypot((points[2 * i] ?? 0) - (points[2 * j] ?? 0), (points[2 * i + 1] ?? 0) - (points[2 * j + 1] ?? 0));
}

/** Mean 2-D distance between points of the same cluster and between points of different clusters. */
function clusterDistances(points: Float32Array, labels: number[]): { intra: number; inter: number } {
  let intra = 0;
  let intraCount = 0;
  let inter = 0;
  let interCount = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      if (labels[i] === labels[j]) {
        intra += distance2d(points, i, j);
        intraCount++;
      } else {
        inter += distance2d(points, i, j);
        interCount++;
      }
    }
  }
  return { intra: intra / intraCount, inter: inter / interCount };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('projectEmbeddings: PCA', () => {
  it('recovers the order of points on a line along the first axis (up to sign), the second axis ≈ 0', () => {
    const positions = [3, -1, 0, 7, 2, -4, 5];
    const direction = [1, -2, 0.5, 3, 0, 1, -1, 2];
    const offset = [10, 0, -3, 1, 1, 2, 0, 5];
    const rows = new Float32Array(positions.length * DIM);
    positions.forEach((t, row) => {
      for (let k = 0; k < DIM; k++) rows[row * DIM + k] = (offset[k] ?? 0) + t * (direction[k] ?? 0);
    });
    const points = projectEmbeddings(rows, positions.length, DIM, 'pca');
    expect(points).toHaveLength(positions.length * 2);
    const first = positions.map((_, row) => points[row * 2] ?? Number.NaN);
    const sign = Math.sign((first[3] ?? 0) - (first[5] ?? 0)); // t = 7 vs t = −4
    expect(sign).not.toBe(0);
    const byProjection = positions.map((_, row) => row).sort((a, b) => sign * ((first[a] ?? 0) - (first[b] ?? 0)));
    const byPosition = positions.map((_, row) => row).sort((a, b) => (positions[a] ?? 0) - (positions[b] ?? 0));
    expect(byProjection).toEqual(byPosition);
    // Scores are distances along the line: |direction| · (t − mean t).
    const norm = Math.hypot(...direction);
    const meanT = positions.reduce((sum, t) => sum + t, 0) / positions.length;
    positions.forEach((t, row) => {
      expect(sign * (first[row] ?? 0)).toBeCloseTo(norm * (t - meanT), 3);
      expect(Math.abs(points[row * 2 + 1] ?? Number.NaN)).toBeLessThan(1e-3);
    });
  });

  it('pads the second axis with 0 for one-dimensional data', () => {
    const points = projectEmbeddings(Float32Array.of(1, 2, 4), 3, 1, 'pca');
    expect(Array.from(points.filter((_, index) => index % 2 === 1))).toEqual([0, 0, 0]);
    expect(Math.abs((points[4] ?? 0) - (points[0] ?? 0))).toBeCloseTo(3, 5);
  });
});

describe.each<ProjectionMethod>(['tsne', 'umap'])('projectEmbeddings: %s', (method) => {
  const { rows, labels } = twoClusters(7);
  const n = labels.length;

  it('keeps two well-separated clusters apart', () => {
    const points = projectEmbeddings(rows, n, DIM, method, { seed: 1 });
    expect(points).toHaveLength(n * 2);
    expect(points.every(Number.isFinite)).toBe(true);
    const { intra, inter } = clusterDistances(points, labels);
    expect(intra).toBeLessThan(0.25 * inter);
  });

  it('is reproducible with the same seed, differs with another, and never calls Math.random', () => {
    const mathRandom = vi.spyOn(Math, 'random');
    const first = projectEmbeddings(rows, n, DIM, method, { seed: 3, iterations: 200 });
    const again = projectEmbeddings(rows, n, DIM, method, { seed: 3, iterations: 200 });
    const other = projectEmbeddings(rows, n, DIM, method, { seed: 4, iterations: 200 });
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(mathRandom).not.toHaveBeenCalled();
  });

  it('clamps its neighbourhood for a tiny cohort instead of failing', () => {
    const small = 5;
    const points = projectEmbeddings(rows.subarray(0, small * DIM), small, DIM, method, { iterations: 50 });
    expect(points).toHaveLength(small * 2);
    expect(points.every(Number.isFinite)).toBe(true);
  });
});

describe('effectiveProjectionOptions and limits', () => {
  it('fills defaults and clamps perplexity to (n − 1) / 3 and neighbours to n − 1', () => {
    expect(effectiveProjectionOptions('tsne', 40)).toEqual({
      ...DEFAULT_PROJECTION_OPTIONS,
      perplexity: 13,
      iterations: 1000,
    });
    expect(effectiveProjectionOptions('tsne', 1000).perplexity).toBe(30);
    expect(effectiveProjectionOptions('umap', 10).neighbors).toBe(9);
    expect(effectiveProjectionOptions('umap', 100, { neighbors: 5, minDist: 0.3, iterations: 50 })).toMatchObject({
      neighbors: 5,
      minDist: 0.3,
      iterations: 50,
    });
  });

  it('returns an empty layout for no rows and a UserError below the minimum', () => {
    expect(projectEmbeddings(new Float32Array(0), 0, DIM, 'umap')).toHaveLength(0);
    expect(() => projectEmbeddings(new Float32Array(DIM), 1, DIM, 'pca')).toThrow(UserError);
    expect(() => projectEmbeddings(new Float32Array(3 * DIM), 3, DIM, 'tsne')).toThrow(/at least 4/);
    expect(() => projectEmbeddings(new Float32Array(2 * DIM), 2, DIM, 'umap')).toThrow(/at least 3/);
  });

  it('rejects invalid options and unknown methods', () => {
    const rows = new Float32Array(10 * DIM).map((_, index) => index % 7);
    expect(() => projectEmbeddings(rows, 10, DIM, 'tsne', { perplexity: 0 })).toThrow(/perplexity/);
    expect(() => projectEmbeddings(rows, 10, DIM, 'umap', { minDist: 2 })).toThrow(UserError);
    expect(() => projectEmbeddings(rows, 10, DIM, 'umap', { neighbours: 5 } as never)).toThrow(UserError);
    expect(() => projectEmbeddings(rows, 10, DIM, 'mds' as ProjectionMethod)).toThrow(/Unknown projection method/);
    expect(ProjectionMethodSchema.options).toEqual(['pca', 'tsne', 'umap']);
  });
});
