import { beforeAll, describe, expect, it } from 'vitest';
import { LayerNorm } from '../../../../src/main/engine/layers/layer-norm';
import { tf } from '../../../../src/main/engine/tf';
import { gradientMismatches, projectToScalar, variableOf } from '../../../helpers/finite-difference-layers';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomAffine(ln: LayerNorm, seed: number): void {
  const values = new Map([
    ['weight', tf.randomNormal([ln.dim], 1, 0.5, 'float32', seed)],
    ['bias', tf.randomNormal([ln.dim], 0, 0.5, 'float32', seed + 1)],
  ]);
  ln.loadStateDict(values);
  tf.dispose([...values.values()]);
}

describe('LayerNorm', () => {
  it('normalises the last axis with the biased variance, then scales and shifts', async () => {
    await expectNoTensorLeak(() => {
      const ln = new LayerNorm(6, 1e-5);
      randomAffine(ln, 3);
      const x = tf.randomNormal([2, 3, 6], 2, 3, 'float32', 8);
      const y = ln.apply(x);
      const w = Array.from(ln.weight.dataSync());
      const b = Array.from(ln.bias.dataSync());
      const rows = (x.arraySync() as number[][][]).flat();
      const out = (y.arraySync() as number[][][]).flat();
      rows.forEach((row, r) => {
        const mean = row.reduce((s, v) => s + v, 0) / row.length;
        const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
        row.forEach((v, i) => {
          const expected = ((v - mean) / Math.sqrt(variance + 1e-5)) * (w[i] ?? 0) + (b[i] ?? 0);
          expect(out[r]?.[i]).toBeCloseTo(expected, 4);
        });
      });
      tf.dispose([x, y]);
      ln.dispose();
    });
  });

  it('defaults to eps 1e-5 and has weight and bias keys', async () => {
    await expectNoTensorLeak(() => {
      const ln = new LayerNorm(4);
      expect(ln.eps).toBe(1e-5);
      expect(ln.namedParameters().map(([name, v]) => [name, v.shape])).toEqual([
        ['weight', [4]],
        ['bias', [4]],
      ]);
      ln.dispose();
    });
  });

  it('has weight, bias and input gradients that match finite differences', async () => {
    await expectNoTensorLeak(() => {
      const ln = new LayerNorm(5, 1e-12);
      randomAffine(ln, 6);
      const x = variableOf(tf.randomNormal([2, 5], 0, 1, 'float32', 12));
      const r = tf.randomNormal([2, 5], 0, 1, 'float32', 13);
      const mismatches = gradientMismatches(
        () => projectToScalar(ln.apply(x), r),
        { weight: ln.weight, bias: ln.bias, x },
        { step: 1e-2 },
      );
      expect(mismatches).toEqual([]);
      tf.dispose([x, r]);
      ln.dispose();
    });
  });
});
