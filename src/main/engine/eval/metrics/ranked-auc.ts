/**
 * AUROC on resampled rows without sorting again: the rows are ranked once by score, and each
 * resample only supplies how many times every row was drawn. The area is the Mann–Whitney U
 * statistic (a positive–negative tie counts 1/2) divided by P·N, accumulated in whole numbers and
 * divided once, so it equals `rocAuc` on the resampled rows (to the last bit or two of rounding).
 */
import { assertBinaryLabels, assertFiniteScores, assertSameLength } from './validate';

export interface AucRanking {
  /** Rows with a label, highest score first. */
  readonly rows: Int32Array;
  /** 1 where the row at that rank is positive. */
  readonly positive: Uint8Array;
  /** Start rank of each group of tied scores, then rows.length. */
  readonly groupStarts: Int32Array;
}

/** Rank the rows that have a label (null labels are left out) by descending score. */
export function aucRanking(labels: ArrayLike<number | null>, scores: ArrayLike<number>): AucRanking {
  assertSameLength('aucRanking', labels, scores);
  assertBinaryLabels('aucRanking', labels, { allowNull: true });
  assertFiniteScores('aucRanking', scores);
  const labelled: number[] = [];
  for (let row = 0; row < labels.length; row++) if (labels[row] !== null) labelled.push(row);
  labelled.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));

  const rows = Int32Array.from(labelled);
  const positive = new Uint8Array(rows.length);
  const starts: number[] = [];
  for (let rank = 0; rank < rows.length; rank++) {
    const row = rows[rank] ?? 0;
    positive[rank] = labels[row] === 1 ? 1 : 0;
    if (rank === 0 || scores[row] !== scores[rows[rank - 1] ?? 0]) starts.push(rank);
  }
  starts.push(rows.length);
  return { rows, positive, groupStarts: Int32Array.from(starts) };
}

/**
 * AUROC with each row counted `weights[row]` times (whole numbers: the bootstrap's draw counts);
 * null when the weighted rows hold no positive or no negative.
 */
export function weightedAuc(ranking: AucRanking, weights: ArrayLike<number>): number | null {
  const { rows, positive, groupStarts } = ranking;
  let tp = 0;
  let fp = 0;
  let twiceArea = 0;
  for (let group = 0; group + 1 < groupStarts.length; group++) {
    const end = groupStarts[group + 1] ?? 0;
    let groupTp = 0;
    let groupFp = 0;
    for (let rank = groupStarts[group] ?? 0; rank < end; rank++) {
      const weight = weights[rows[rank] ?? 0] ?? 0;
      if (weight === 0) continue;
      if (positive[rank] === 1) groupTp += weight;
      else groupFp += weight;
    }
    // Each negative in this group is beaten by every positive above it and ties with this group's.
    twiceArea += groupFp * (2 * tp + groupTp);
    tp += groupTp;
    fp += groupFp;
  }
  return tp === 0 || fp === 0 ? null : twiceArea / (2 * tp * fp);
}
