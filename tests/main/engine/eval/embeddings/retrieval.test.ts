import { describe, expect, it } from 'vitest';
import { BugError, UserError } from '../../../../../src/shared/errors';
import {
  matchedCosines,
  meanMatchedCosine,
  meanReciprocalRank,
  recallAtK,
  retrievalPools,
  retrievalRanks,
  retrievalSummary,
} from '../../../../../src/main/engine/eval/embeddings/retrieval';

const S = Math.SQRT1_2;

/**
 * Four pairs in 2-D. Cosines of query i against gallery j (rows: queries, columns: gallery):
 *   q0 ( 1, 0): [ 1,   S,  0,  -S ]  matched 1    → rank 1
 *   q1 ( 0, 1): [ 0,   S,  1,   S ]  matched S    → rank 2 (g2 above; g3 ties and does not count)
 *   q2 (-1, 0): [-1,  -S,  0,   S ]  matched 0    → rank 2 (g3 above)
 *   q3 ( S,-S): [ S,   0, -S,  -1 ]  matched -1   → rank 4
 */
const QUERY = Float32Array.of(1, 0, 0, 1, -1, 0, S, -S);
const GALLERY = Float32Array.of(1, 0, S, S, 0, 1, -S, S);

describe('retrievalRanks', () => {
  it('ranks each match among all candidates, ties not counted against it', () => {
    expect(Array.from(retrievalRanks(QUERY, GALLERY, 4, 2))).toEqual([1, 2, 2, 4]);
  });

  it('normalises rows itself, so scaled embeddings rank the same', () => {
    const scaledQuery = QUERY.map((value, index) => value * (index + 1));
    const scaledGallery = GALLERY.map((value) => value * 5);
    expect(Array.from(retrievalRanks(scaledQuery, scaledGallery, 4, 2))).toEqual([1, 2, 2, 4]);
  });

  it('ranks only against candidates of the same pool', () => {
    expect(
      Array.from(
        retrievalRanks(QUERY, GALLERY, 4, 2, [
          [0, 3],
          [2, 1],
        ]),
      ),
    ).toEqual([1, 2, 1, 2]);
  });

  it('gives rank 1 to a query whose matched report is an exact duplicate of another (tie)', () => {
    const gallery = Float32Array.of(1, 0, 1, 0);
    const query = Float32Array.of(1, 0, 1, 0);
    expect(Array.from(retrievalRanks(query, gallery, 2, 2))).toEqual([1, 1]);
  });

  it('rejects pools that miss a row, repeat a row, or name a row out of range', () => {
    expect(() => retrievalRanks(QUERY, GALLERY, 4, 2, [[0, 1, 2]])).toThrow(BugError);
    expect(() =>
      retrievalRanks(QUERY, GALLERY, 4, 2, [
        [0, 1],
        [1, 2, 3],
      ]),
    ).toThrow(/more than one pool/);
    expect(() => retrievalRanks(QUERY, GALLERY, 4, 2, [[0, 1, 2, 3, 4]])).toThrow(/not in 0\.\.3/);
  });

  it('rejects buffers of the wrong size and non-finite values', () => {
    expect(() => retrievalRanks(QUERY, GALLERY.subarray(0, 6), 4, 2)).toThrow(BugError);
    expect(() => retrievalRanks(Float32Array.of(Number.NaN, 0), Float32Array.of(1, 0), 1, 2)).toThrow(/non-finite/);
  });
});

describe('retrievalSummary, recallAtK, meanReciprocalRank', () => {
  const ranks = Int32Array.of(1, 2, 2, 4);

  it('reports Recall@1/5/10 and MRR', () => {
    const summary = retrievalSummary(ranks);
    expect(summary.n).toBe(4);
    expect(summary.recallAt['1']).toBeCloseTo(0.25, 12);
    expect(summary.recallAt['5']).toBe(1);
    expect(summary.recallAt['10']).toBe(1);
    expect(summary.mrr).toBeCloseTo((1 + 0.5 + 0.5 + 0.25) / 4, 12);
  });

  it('takes other cut-offs', () => {
    const summary = retrievalSummary(ranks, [2, 3]);
    expect(summary.recallAt).toEqual({ '2': 0.75, '3': 0.75 });
    // The keys are typed from the cut-offs (checked by tsc): '1' is not one of them here.
    // @ts-expect-error Recall@1 was not asked for.
    expect(summary.recallAt['1']).toBeUndefined();
  });

  it('averages over chosen queries, with repetition, for bootstrap resamples', () => {
    expect(recallAtK(ranks, 1, Int32Array.of(0, 0, 3))).toBeCloseTo(2 / 3, 12);
    expect(meanReciprocalRank(ranks, Int32Array.of(3, 3))).toBeCloseTo(0.25, 12);
    expect(meanReciprocalRank(ranks, Int32Array.of(0, 1))).toBeCloseTo(0.75, 12);
    expect(() => recallAtK(ranks, 1, Int32Array.of(4))).toThrow(BugError);
    expect(() => meanReciprocalRank(ranks, Int32Array.of(-1))).toThrow(BugError);
  });

  it('is NaN for no queries and rejects k < 1', () => {
    expect(recallAtK(new Int32Array(0), 1)).toBeNaN();
    expect(meanReciprocalRank(ranks, new Int32Array(0))).toBeNaN();
    expect(() => recallAtK(ranks, 0)).toThrow(UserError);
  });
});

describe('retrievalPools', () => {
  const sizes = (pools: number[][]): number[] => pools.map((pool) => pool.length);

  it('cuts into pools of poolSize, keeping a last pool of ≥ 2 rows and merging a single leftover', () => {
    expect(sizes(retrievalPools(10, 4, 1))).toEqual([4, 4, 2]);
    expect(sizes(retrievalPools(9, 4, 1))).toEqual([4, 5]);
    expect(sizes(retrievalPools(129, 64, 7))).toEqual([64, 65]);
    expect(sizes(retrievalPools(130, 64, 7))).toEqual([64, 64, 2]);
    expect(sizes(retrievalPools(3, 64, 7))).toEqual([3]);
    expect(retrievalPools(1, 64, 7)).toEqual([[0]]);
    expect(retrievalPools(0, 64, 7)).toEqual([]);
  });

  it('covers every row exactly once', () => {
    const pools = retrievalPools(200, 64, 3);
    expect(sizes(pools)).toEqual([64, 64, 64, 8]);
    expect(pools.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, index) => index));
  });

  it('is seeded: same seed, same pools; another seed, other pools', () => {
    expect(retrievalPools(100, 16, 42)).toEqual(retrievalPools(100, 16, 42));
    expect(retrievalPools(100, 16, 43)).not.toEqual(retrievalPools(100, 16, 42));
    // A random permutation, not consecutive blocks of the original order.
    expect(retrievalPools(100, 16, 42)[0]).not.toEqual(Array.from({ length: 16 }, (_, index) => index));
  });

  it('feeds retrievalRanks', () => {
    const pools = retrievalPools(4, 2, 5);
    const ranks = retrievalRanks(QUERY, GALLERY, 4, 2, pools);
    for (const rank of ranks) expect(rank === 1 || rank === 2).toBe(true);
  });

  it('rejects a pool size below 2', () => {
    expect(() => retrievalPools(10, 1, 1)).toThrow(UserError);
  });
});

describe('matchedCosines', () => {
  it('is the cosine of each matched pair, on unnormalised rows too', () => {
    const image = Float32Array.of(3, 4, 1, 0, 0, 0);
    const text = Float32Array.of(4, 3, 0, 2, 1, 1);
    const cosines = matchedCosines(image, text, 3, 2);
    expect(cosines[0]).toBeCloseTo(24 / 25, 6);
    expect(cosines[1]).toBeCloseTo(0, 6);
    expect(cosines[2]).toBe(0); // an all-zero row has cosine 0, not NaN
    expect(meanMatchedCosine(image, text, 3, 2)).toBeCloseTo(24 / 25 / 3, 6);
  });

  it('is NaN on average over no pairs', () => {
    expect(meanMatchedCosine(new Float32Array(0), new Float32Array(0), 0, 4)).toBeNaN();
  });
});
