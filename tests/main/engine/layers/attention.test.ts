import { beforeAll, describe, expect, it } from 'vitest';
import { MultiHeadSelfAttention } from '../../../../src/main/engine/layers/attention';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { gradientMismatches, projectToScalar, variableOf } from '../../../helpers/finite-difference-layers';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Matrix = number[][];

const linear = (x: Matrix, w: Matrix, b: number[]): Matrix =>
  x.map((row) => w.map((wo, o) => row.reduce((s, v, i) => s + v * (wo[i] ?? NaN), b[o] ?? NaN)));

const layerNorm = (row: number[], w: number[], b: number[], eps: number): number[] => {
  const mean = row.reduce((s, v) => s + v, 0) / row.length;
  const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
  return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * (w[i] ?? NaN) + (b[i] ?? NaN));
};

function params(block: MultiHeadSelfAttention): Map<string, number[] | Matrix> {
  return new Map(block.namedParameters().map(([name, v]) => [name, v.arraySync() as number[] | Matrix]));
}

/**
 * Per-head loops: softmax over the keys the mask keeps (masked keys are skipped entirely, so
 * they get exactly zero weight), then the output projection, residual and LayerNorm (eps 1e-12).
 * Returns the outputs [B][T][D] and the weights [B][H][T][T].
 */
function naiveAttention(
  x: number[][][],
  mask: number[][] | null,
  p: Map<string, number[] | Matrix>,
  heads: number,
): { out: number[][][]; probs: number[][][][] } {
  const m = (name: string): Matrix => p.get(name) as Matrix;
  const v = (name: string): number[] => p.get(name) as number[];
  const probs: number[][][][] = [];
  const out = x.map((tokens, b) => {
    const q = linear(tokens, m('self.query.weight'), v('self.query.bias'));
    const k = linear(tokens, m('self.key.weight'), v('self.key.bias'));
    const val = linear(tokens, m('self.value.weight'), v('self.value.bias'));
    const dim = tokens[0]?.length ?? 0;
    const dh = dim / heads;
    const context = tokens.map(() => new Array<number>(dim).fill(0));
    const batchProbs: number[][][] = [];
    for (let h = 0; h < heads; h++) {
      const headProbs: number[][] = [];
      for (let i = 0; i < tokens.length; i++) {
        const scores = tokens.map((_, j) => {
          if (mask && mask[b]?.[j] === 0) return -Infinity;
          let s = 0;
          for (let d = 0; d < dh; d++) s += (q[i]?.[h * dh + d] ?? NaN) * (k[j]?.[h * dh + d] ?? NaN);
          return s / Math.sqrt(dh);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => (s === -Infinity ? 0 : Math.exp(s - max)));
        const total = exps.reduce((s, e) => s + e, 0);
        const weights = exps.map((e) => e / total);
        headProbs.push(weights);
        for (let d = 0; d < dh; d++) {
          const row = context[i];
          if (row) row[h * dh + d] = weights.reduce((s, w, j) => s + w * (val[j]?.[h * dh + d] ?? NaN), 0);
        }
      }
      batchProbs.push(headProbs);
    }
    probs.push(batchProbs);
    const dense = linear(context, m('output.dense.weight'), v('output.dense.bias'));
    return dense.map((row, i) =>
      layerNorm(
        row.map((value, d) => value + (tokens[i]?.[d] ?? NaN)),
        v('output.LayerNorm.weight'),
        v('output.LayerNorm.bias'),
        1e-12,
      ),
    );
  });
  return { out, probs };
}

function maxAbsDiff(a: Tensor, expected: unknown): number {
  return tf.tidy(() => {
    const e = tf.tensor(expected as number[]);
    return tf.max(tf.abs(tf.sub(a, e))).dataSync()[0] ?? NaN;
  });
}

/** Non-trivial LayerNorm parameters so the test also covers output.LayerNorm. */
function randomiseLayerNorm(block: MultiHeadSelfAttention): void {
  const values = new Map([
    ['output.LayerNorm.weight', tf.randomNormal([block.dim], 1, 0.3, 'float32', 21)],
    ['output.LayerNorm.bias', tf.randomNormal([block.dim], 0, 0.3, 'float32', 22)],
  ]);
  block.loadStateDict(values, { strict: false });
  tf.dispose([...values.values()]);
}

describe('MultiHeadSelfAttention', () => {
  it('has exactly the BERT parameter names under encoder.layer.N.attention', async () => {
    await expectNoTensorLeak(() => {
      const block = new MultiHeadSelfAttention(8, { numHeads: 2 });
      const names = block.namedParameters('encoder.layer.3.attention').map(([name, t]) => [name, t.shape]);
      const p = 'encoder.layer.3.attention';
      expect(names).toEqual([
        [`${p}.self.query.weight`, [8, 8]],
        [`${p}.self.query.bias`, [8]],
        [`${p}.self.key.weight`, [8, 8]],
        [`${p}.self.key.bias`, [8]],
        [`${p}.self.value.weight`, [8, 8]],
        [`${p}.self.value.bias`, [8]],
        [`${p}.output.dense.weight`, [8, 8]],
        [`${p}.output.dense.bias`, [8]],
        [`${p}.output.LayerNorm.weight`, [8]],
        [`${p}.output.LayerNorm.bias`, [8]],
      ]);
      expect(block.namedBuffers()).toEqual([]);
      block.dispose();
    });
  });

  it('matches a naive per-head implementation without a mask', async () => {
    await expectNoTensorLeak(() => {
      const block = new MultiHeadSelfAttention(6, { numHeads: 3, seed: 5 });
      randomiseLayerNorm(block);
      const x = tf.randomNormal([2, 4, 6], 0, 1, 'float32', 31);
      const y = block.apply(x);
      expect(y.shape).toEqual([2, 4, 6]);
      const expected = naiveAttention(x.arraySync() as number[][][], null, params(block), 3);
      expect(maxAbsDiff(y, expected.out)).toBeLessThan(1e-4);
      tf.dispose([x, y]);
      block.dispose();
    });
  });

  it('gives padded keys zero weight and matches the naive implementation with a padding mask', async () => {
    await expectNoTensorLeak(() => {
      const block = new MultiHeadSelfAttention(8, { numHeads: 2, seed: 9 });
      randomiseLayerNorm(block);
      const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 41);
      const maskRows = [
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
      ];
      const mask = tf.tensor2d(maskRows, [2, 5], 'int32');
      const y = block.apply(x, mask);
      const probs = block.self.probabilities(x, mask);
      const expected = naiveAttention(x.arraySync() as number[][][], maskRows, params(block), 2);
      expect(maxAbsDiff(y, expected.out)).toBeLessThan(1e-4);
      expect(maxAbsDiff(probs, expected.probs)).toBeLessThan(1e-5);
      const p = probs.arraySync() as number[][][][];
      for (const head of p[0] ?? []) {
        for (const row of head) {
          expect(row[3]).toBe(0);
          expect(row[4]).toBe(0);
          expect(row.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 5);
        }
      }
      // The kept tokens' outputs do not depend on what sits in the padded positions.
      const changed = tf.tidy(() => {
        const noise = tf.mul(tf.randomNormal([2, 5, 8], 0, 5, 'float32', 42), tf.reshape(tf.sub(1, mask), [2, 5, 1]));
        return block.apply(tf.add(x, noise), mask);
      });
      const kept = tf.tidy(() =>
        tf.max(tf.abs(tf.sub(tf.slice(changed, [0, 0, 0], [1, 3, 8]), tf.slice(y, [0, 0, 0], [1, 3, 8])))),
      );
      expect(kept.dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([x, mask, y, probs, changed, kept]);
      block.dispose();
    });
  });

  it('applies seeded dropout only in training mode', async () => {
    await expectNoTensorLeak(() => {
      const make = (): MultiHeadSelfAttention =>
        new MultiHeadSelfAttention(8, { numHeads: 2, seed: 3, attentionDropout: 0.3, hiddenDropout: 0.3 });
      const a = make();
      const b = make();
      const x = tf.randomNormal([1, 4, 8], 0, 1, 'float32', 51);
      const evalOnce = a.apply(x);
      const evalTwice = a.apply(x);
      expect(Array.from(evalTwice.dataSync())).toEqual(Array.from(evalOnce.dataSync()));
      a.train();
      b.train();
      const trainA = a.apply(x);
      const trainB = b.apply(x);
      const trainA2 = a.apply(x);
      expect(Array.from(trainB.dataSync()), 'same seed, same masks').toEqual(Array.from(trainA.dataSync()));
      expect(maxAbsDiff(trainA, evalOnce.arraySync())).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(trainA2, trainA.arraySync()), 'each call draws a new mask').toBeGreaterThan(1e-3);
      tf.dispose([x, evalOnce, evalTwice, trainA, trainB, trainA2]);
      a.dispose();
      b.dispose();
    });
  });

  it('has gradients that match finite differences (with a padding mask)', async () => {
    await expectNoTensorLeak(() => {
      const block = new MultiHeadSelfAttention(4, { numHeads: 2, seed: 13 });
      randomiseLayerNorm(block);
      const x = variableOf(tf.randomNormal([2, 3, 4], 0, 1, 'float32', 61));
      const mask = tf.tensor2d(
        [
          [1, 1, 0],
          [1, 1, 1],
        ],
        [2, 3],
        'int32',
      );
      const r = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 62);
      const named = Object.fromEntries(block.namedParameters());
      const mismatches = gradientMismatches(() => projectToScalar(block.apply(x, mask), r), { ...named, x });
      expect(mismatches).toEqual([]);
      tf.dispose([x, mask, r]);
      block.dispose();
    });
  });
});
