/**
 * Settings of the 2-D embedding projections (PCA, t-SNE, UMAP): the zod schemas, the defaults, the
 * smallest cohort each method accepts, and the clamping of perplexity and neighbours to what a
 * small cohort allows.
 */
import { z } from 'zod';
import { UserError } from '../../../../shared/errors';

export const PROJECTION_METHODS = ['pca', 'tsne', 'umap'] as const;
export const ProjectionMethodSchema = z.enum(PROJECTION_METHODS);
export type ProjectionMethod = z.infer<typeof ProjectionMethodSchema>;

export const ProjectionOptionsSchema = z.strictObject({
  /** Seed of the SeededRandom that t-SNE and UMAP draw from (PCA is deterministic and ignores it). */
  seed: z.number().int().optional(),
  /** t-SNE perplexity (effective number of neighbours); clamped to (n − 1) / 3. */
  perplexity: z.number().min(1).max(1000).optional(),
  /** UMAP nNeighbors; clamped to n − 1. */
  neighbors: z.number().int().min(2).max(1000).optional(),
  /** UMAP minDist (spread is 1, so at most 1). */
  minDist: z.number().min(0).max(1).optional(),
  /** t-SNE gradient steps or UMAP epochs; the method's default when omitted. */
  iterations: z.number().int().min(1).max(100_000).optional(),
});
export type ProjectionOptions = z.infer<typeof ProjectionOptionsSchema>;

/** The settings a projection actually ran with. */
export type EffectiveProjectionOptions = Required<ProjectionOptions>;

/** Defaults: perplexity 30 as in van der Maaten's t-SNE and sklearn; 15 neighbours and minDist 0.1 as umap-learn. */
export const DEFAULT_PROJECTION_OPTIONS = {
  seed: 42,
  perplexity: 30,
  neighbors: 15,
  minDist: 0.1,
} as const satisfies Omit<EffectiveProjectionOptions, 'iterations'>;

/**
 * Default iterations: 1000 t-SNE steps (sklearn's default), 500 UMAP epochs (umap-learn's for
 * ≤ 10 000 rows); PCA does not iterate (0, ignored).
 */
export const DEFAULT_PROJECTION_ITERATIONS = { pca: 0, tsne: 1000, umap: 500 } as const satisfies Record<
  ProjectionMethod,
  number
>;

/**
 * The fewest rows each method accepts: PCA needs 2 to have a direction; UMAP needs nNeighbors ≥ 2
 * and nNeighbors < n, so 3; t-SNE needs perplexity ≥ 1 and 3 · perplexity ≤ n − 1, so 4.
 */
export const MIN_PROJECTION_ROWS = { pca: 2, tsne: 4, umap: 3 } as const satisfies Record<ProjectionMethod, number>;

/**
 * Validated options with defaults filled in and clamped for n rows: perplexity ≤ (n − 1) / 3 (the
 * bound bhtsne and sklearn enforce, so every point has enough neighbours to reach it) and
 * neighbors ≤ n − 1 (umap-js needs more rows than neighbours). Throws a UserError for an unknown
 * method, invalid options, or when n (≥ 1) is below MIN_PROJECTION_ROWS[method].
 */
export function effectiveProjectionOptions(
  method: ProjectionMethod,
  n: number,
  options: ProjectionOptions = {},
): EffectiveProjectionOptions {
  if (!ProjectionMethodSchema.safeParse(method).success) {
    throw new UserError('INVALID_INPUT', `Unknown projection method ${JSON.stringify(method)}; use pca, tsne or umap.`);
  }
  const parsed = ProjectionOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new UserError(
      'INVALID_INPUT',
      `Projection options are invalid${where ? ` at ${where}` : ''}: ${issue?.message ?? 'unknown problem'}.`,
    );
  }
  if (n >= 1 && n < MIN_PROJECTION_ROWS[method]) {
    throw new UserError(
      'INVALID_INPUT',
      `A ${method.toUpperCase()} projection needs at least ${MIN_PROJECTION_ROWS[method]} embeddings; got ${n}.`,
    );
  }
  const given = parsed.data;
  return {
    seed: given.seed ?? DEFAULT_PROJECTION_OPTIONS.seed,
    perplexity: Math.min(given.perplexity ?? DEFAULT_PROJECTION_OPTIONS.perplexity, Math.max(1, (n - 1) / 3)),
    neighbors: Math.min(given.neighbors ?? DEFAULT_PROJECTION_OPTIONS.neighbors, Math.max(2, n - 1)),
    minDist: given.minDist ?? DEFAULT_PROJECTION_OPTIONS.minDist,
    iterations: given.iterations ?? DEFAULT_PROJECTION_ITERATIONS[method],
  };
}
