/**
 * Image↔report retrieval as CLIP papers report it: for query row i (an image, say) its match is
 * gallery row i (that study's report); its rank is its position among the gallery candidates by
 * cosine similarity, optionally only among the candidates of its pool (HCC-Merlin reports
 * Recall@1 over random pools of 64 studies). Recall@k and MRR summarise the ranks; the per-query
 * statistics take an optional list of query indices so a caller can bootstrap them.
 */
import { BugError, UserError } from '../../../../shared/errors';
import { SeededRandom } from '../../../../shared/seeded-random';
import { assertRows, normalizedRows, rowDot } from './embedding-rows';

/**
 * Rank of each query's matched gallery row (1 = retrieved first).
 *
 * rank_i = 1 + #{ j in pool(i) : cos(query_i, gallery_j) > cos(query_i, gallery_i) }, where
 * pool(i) is the pool holding i, or all n rows when `pools` is omitted.
 *
 * Tie rule: candidates whose cosine equals the matched pair's exactly do not push the match down
 * (the optimistic rank, the "strictly greater" count). Ties are rare with float embeddings, but
 * duplicate reports (two studies with the same text) give exact ties and this keeps them from
 * penalising either study. Cosines are computed in float64 on defensively L2-normalised rows.
 *
 * `pools` must put every row 0..n-1 in exactly one pool (as `retrievalPools` does).
 */
export function retrievalRanks(
  query: Float32Array,
  gallery: Float32Array,
  n: number,
  dim: number,
  pools?: readonly (readonly number[])[],
): Int32Array {
  assertRows(query, n, dim, 'retrievalRanks query');
  assertRows(gallery, n, dim, 'retrievalRanks gallery');
  const q = normalizedRows(query, n, dim);
  const g = normalizedRows(gallery, n, dim);
  const ranks = new Int32Array(n);
  const poolList = pools ?? [Array.from({ length: n }, (_, index) => index)];
  const seen = new Uint8Array(n);
  for (const pool of poolList) {
    for (const row of pool) {
      if (!Number.isInteger(row) || row < 0 || row >= n) throw new BugError(`Pool row ${row} is not in 0..${n - 1}.`);
      if (seen[row]) throw new BugError(`Row ${row} is in more than one pool.`);
      seen[row] = 1;
    }
    for (const i of pool) {
      const matched = rowDot(q, i, g, i, dim);
      let better = 0;
      for (const j of pool) if (rowDot(q, i, g, j, dim) > matched) better++;
      ranks[i] = 1 + better;
    }
  }
  const missing = seen.indexOf(0);
  if (missing !== -1) throw new BugError(`Row ${missing} is in no pool; pools must cover every row.`);
  return ranks;
}

/**
 * Random retrieval pools: a permutation of 0..n-1 drawn with SeededRandom(seed) (Fisher–Yates),
 * cut into consecutive pools of `poolSize` rows. A last, smaller pool is kept when it has at least
 * 2 rows; a single leftover row is merged into the previous pool (a pool of one would always rank
 * its row first). Each pool is sorted ascending. poolSize ≥ n gives one pool of all rows; n = 0
 * gives no pools. Same (n, poolSize, seed) ⇒ same pools.
 */
export function retrievalPools(n: number, poolSize: number, seed: number): number[][] {
  if (!Number.isInteger(n) || n < 0) throw new BugError(`retrievalPools: n must be an integer ≥ 0; got ${n}.`);
  if (!Number.isInteger(poolSize) || poolSize < 2) {
    throw new UserError('INVALID_INPUT', `A retrieval pool needs at least 2 rows; got a pool size of ${poolSize}.`);
  }
  const random = new SeededRandom(seed);
  const order = Array.from({ length: n }, (_, index) => index);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(0, i + 1);
    const swap = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = swap;
  }
  const pools: number[][] = [];
  for (let start = 0; start < n; start += poolSize) pools.push(order.slice(start, start + poolSize));
  const last = pools.at(-1);
  const previous = pools.at(-2);
  if (last && previous && last.length < 2) {
    previous.push(...last);
    pools.pop();
  }
  for (const pool of pools) pool.sort((x, y) => x - y);
  return pools;
}

/** The Recall@k cut-offs CLIP papers report. */
export const DEFAULT_RECALL_KS = [1, 5, 10] as const;

export interface RetrievalSummary<K extends number = (typeof DEFAULT_RECALL_KS)[number]> {
  /** Number of queries. */
  n: number;
  /** Recall@k by k (as a string key): the fraction of queries whose rank is ≤ k. */
  recallAt: Record<`${K}`, number>;
  /** Mean reciprocal rank: mean of 1 / rank. */
  mrr: number;
}

/** Recall@k for each k and the MRR of the given ranks (NaN for no queries). */
export function retrievalSummary<const K extends readonly number[] = typeof DEFAULT_RECALL_KS>(
  ranks: Int32Array,
  ks?: K,
): RetrievalSummary<K[number]> {
  const cutoffs: readonly number[] = ks ?? DEFAULT_RECALL_KS;
  const recallAt: Record<string, number> = {};
  for (const k of cutoffs) recallAt[String(k)] = recallAtK(ranks, k);
  return { n: ranks.length, recallAt, mrr: meanReciprocalRank(ranks) };
}

/**
 * Fraction of queries whose rank is ≤ k. `indices` picks the queries to average, with repetition
 * (a bootstrap resample); all queries when omitted. NaN when there are no queries.
 */
export function recallAtK(ranks: Int32Array, k: number, indices?: Int32Array): number {
  if (!Number.isInteger(k) || k < 1) throw new UserError('INVALID_INPUT', `Recall@k needs an integer k ≥ 1; got ${k}.`);
  return meanOver(ranks, indices, (rank) => (rank <= k ? 1 : 0));
}

/** Mean of 1 / rank over the queries (`indices` as in `recallAtK`). NaN when there are no queries. */
export function meanReciprocalRank(ranks: Int32Array, indices?: Int32Array): number {
  return meanOver(ranks, indices, (rank) => 1 / rank);
}

function meanOver(ranks: Int32Array, indices: Int32Array | undefined, statistic: (rank: number) => number): number {
  const count = indices ? indices.length : ranks.length;
  if (count === 0) return Number.NaN;
  let sum = 0;
  for (let position = 0; position < count; position++) {
    const query = indices ? (indices[position] ?? -1) : position;
    const rank = ranks[query];
    if (rank === undefined || query < 0) throw new BugError(`Query index ${query} is not in 0..${ranks.length - 1}.`);
    if (rank < 1) throw new BugError(`Rank ${rank} of query ${query} is below 1.`);
    sum += statistic(rank);
  }
  return sum / count;
}

/** Cosine similarity of each matched pair (image_i, text_i), on defensively L2-normalised rows. */
export function matchedCosines(image: Float32Array, text: Float32Array, n: number, dim: number): Float32Array {
  assertRows(image, n, dim, 'matchedCosines image');
  assertRows(text, n, dim, 'matchedCosines text');
  const a = normalizedRows(image, n, dim);
  const b = normalizedRows(text, n, dim);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rowDot(a, i, b, i, dim);
  return out;
}

/** Mean cosine similarity of the matched pairs (the papers' "CosSim"); NaN when n = 0. */
export function meanMatchedCosine(image: Float32Array, text: Float32Array, n: number, dim: number): number {
  const cosines = matchedCosines(image, text, n, dim);
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (const value of cosines) sum += value;
  return sum / n;
}
