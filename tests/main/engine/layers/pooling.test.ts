import { beforeAll, describe, expect, it } from 'vitest';
import { adaptiveAvgPool3dTo1, globalAvgPool3d, maskedMeanPool } from '../../../../src/main/engine/layers/pooling';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('average pooling', () => {
  it('AdaptiveAvgPool3d(1) keeps [N, 1, 1, 1, C] and the global pool gives [N, C], the per-channel mean', async () => {
    await expectNoTensorLeak(() => {
      const x = tf.randomNormal([2, 3, 4, 5, 6], 0, 1, 'float32', 1);
      const pooled = adaptiveAvgPool3dTo1(x);
      const global = globalAvgPool3d(x);
      expect(pooled.shape).toEqual([2, 1, 1, 1, 6]);
      expect(global.shape).toEqual([2, 6]);
      const values = x.dataSync();
      const expected = Array.from({ length: 12 }, (_, i) => {
        const [n, c] = [Math.floor(i / 6), i % 6];
        let sum = 0;
        for (let v = 0; v < 60; v++) sum += values[(n * 60 + v) * 6 + c] ?? NaN;
        return sum / 60;
      });
      Array.from(global.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 5));
      expect(Array.from(pooled.dataSync())).toEqual(Array.from(global.dataSync()));
      tf.dispose([x, pooled, global]);
    });
  });

  it('mean-pools only the tokens the mask keeps; an all-padding row gives zeros', async () => {
    await expectNoTensorLeak(() => {
      const x = tf.randomNormal([3, 4, 2], 0, 1, 'float32', 2);
      const maskRows = [
        [1, 1, 0, 0],
        [1, 1, 1, 1],
        [0, 0, 0, 0],
      ];
      const mask = tf.tensor2d(maskRows, [3, 4], 'int32');
      const y = maskedMeanPool(x, mask);
      const rows = x.arraySync() as number[][][];
      const expected = rows.map((tokens, b) => {
        const kept = tokens.filter((_, t) => maskRows[b]?.[t] === 1);
        return [0, 1].map((d) => (kept.length ? kept.reduce((s, v) => s + (v[d] ?? NaN), 0) / kept.length : 0));
      });
      (y.arraySync() as number[][]).forEach((row, b) =>
        row.forEach((v, d) => expect(v).toBeCloseTo(expected[b]?.[d] ?? NaN, 5)),
      );
      tf.dispose([x, mask, y]);
    });
  });
});
