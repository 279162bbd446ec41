/**
 * Image→report and report→image retrieval with bootstrap CIs (resampling queries), over the whole
 * set and over seeded pools (HCC-Merlin reports Recall@1 over pools of 64), plus the mean cosine of
 * the matched pairs.
 */
import type { RetrievalReport } from '../../shared/api/evaluation-schemas';
import {
  matchedCosines,
  meanReciprocalRank,
  recallAtK,
  retrievalPools,
  retrievalRanks,
} from '../engine/eval/embeddings/retrieval';
import { bootstrapConfidenceIntervals, type BootstrapSettings } from '../engine/eval/metrics/bootstrap';

export function retrievalReport(
  images: Float32Array,
  reports: Float32Array,
  n: number,
  dim: number,
  poolSize: number,
  bootstrap: BootstrapSettings,
): RetrievalReport {
  const set = (pools?: number[][]): RetrievalReport['whole'] => {
    const imageToReport = retrievalRanks(images, reports, n, dim, pools);
    const reportToImage = retrievalRanks(reports, images, n, dim, pools);
    const direction = (ranks: Int32Array) => {
      const intervals = bootstrapConfidenceIntervals(
        n,
        {
          recallAt1: (indices) => recallAtK(ranks, 1, indices),
          recallAt5: (indices) => recallAtK(ranks, 5, indices),
          recallAt10: (indices) => recallAtK(ranks, 10, indices),
          mrr: (indices) => meanReciprocalRank(ranks, indices),
        },
        bootstrap,
      );
      return intervals;
    };
    return {
      candidates: pools ? Math.min(poolSize, n) : n,
      pools: pools ? pools.length : 1,
      imageToReport: direction(imageToReport),
      reportToImage: direction(reportToImage),
    };
  };
  const cosines = matchedCosines(images, reports, n, dim);
  const meanOf = (indices: Int32Array): number => {
    let total = 0;
    for (const index of indices) total += cosines[index] ?? 0;
    return total / indices.length;
  };
  return {
    n,
    whole: set(),
    pooled: n > poolSize ? set(retrievalPools(n, poolSize, bootstrap.seed)) : null,
    meanMatchedCosine: bootstrapConfidenceIntervals(n, { cosine: meanOf }, bootstrap).cosine,
  };
}
