import { beforeAll, describe, expect, it } from 'vitest';
import { Linear } from '../../../../src/main/engine/layers/linear';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function naiveLinear(x: number[][], weight: number[][], bias: number[] | null): number[][] {
  return x.map((row) =>
    weight.map((w, o) => row.reduce((sum, value, i) => sum + value * (w[i] ?? 0), bias ? (bias[o] ?? 0) : 0)),
  );
}

describe('Linear', () => {
  it('matches y = x W^T + b on random inputs, with leading batch axes', async () => {
    await expectNoTensorLeak(() => {
      const layer = new Linear(5, 3, { seed: 7 });
      const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 3);
      const y = layer.apply(x);
      expect(y.shape).toEqual([2, 4, 3]);
      const flatX = (x.arraySync() as number[][][]).flat();
      const expected = naiveLinear(flatX, layer.weight.arraySync() as number[][], layer.bias?.arraySync() as number[]);
      const actual = (y.arraySync() as number[][][]).flat();
      actual.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[r]?.[c] ?? NaN, 5)));
      tf.dispose([x, y]);
      layer.dispose();
    });
  });

  it('has PyTorch key names and layout, and no bias when asked', async () => {
    await expectNoTensorLeak(() => {
      const layer = new Linear(5, 3);
      expect(layer.namedParameters().map(([name, v]) => [name, v.shape])).toEqual([
        ['weight', [3, 5]],
        ['bias', [3]],
      ]);
      const noBias = new Linear(5, 3, { bias: false });
      expect(noBias.namedParameters().map(([name]) => name)).toEqual(['weight']);
      const x = tf.randomNormal([3, 5], 0, 1, 'float32', 4);
      const y = noBias.apply(x);
      const expected = naiveLinear(x.arraySync() as number[][], noBias.weight.arraySync() as number[][], null);
      (y.arraySync() as number[][]).forEach((row, r) =>
        row.forEach((v, c) => expect(v).toBeCloseTo(expected[r]?.[c] ?? NaN, 5)),
      );
      tf.dispose([x, y]);
      layer.dispose();
      noBias.dispose();
    });
  });
});
