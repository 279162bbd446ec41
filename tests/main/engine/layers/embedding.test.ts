import { createRequire } from 'node:module';
import path from 'node:path';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { TokenEmbedding } from '../../../../src/main/engine/layers/embedding';
import { oneHotLookup } from '../../../../src/main/engine/layers/embedding-lookup';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

/** Under Node the wasm backend reads its .wasm files from a file path: point it at the package's dist/. */
function useLocalWasmFiles(): void {
  const packageJson = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(`${path.join(path.dirname(packageJson), 'dist')}${path.sep}`);
}

const ids = [
  [3, 1, 3, 0],
  [7, 3, 1, 1],
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`TokenEmbedding on ${backend}`, () => {
    beforeAll(async () => {
      if (backend === 'wasm') useLocalWasmFiles();
      expect(await tf.setBackend(backend)).toBe(true);
      expect(tf.getBackend()).toBe(backend);
    });

    it('returns the weight rows of the ids, as one-hot x matmul does', async () => {
      await expectNoTensorLeak(() => {
        const embedding = new TokenEmbedding(10, 4, { seed: 2 });
        const idTensor = tf.tensor2d(ids, [2, 4], 'int32');
        const y = embedding.apply(idTensor);
        expect(y.shape).toEqual([2, 4, 4]);
        const table = embedding.weight.arraySync() as number[][];
        expect(y.arraySync()).toEqual(ids.map((row) => row.map((id) => table[id])));
        const viaOneHot = oneHotLookup(embedding.weight, idTensor);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(viaOneHot, y))).dataSync()[0]);
        expect(diff).toBeLessThan(1e-6);
        tf.dispose([idTensor, y, viaOneHot]);
        embedding.dispose();
      });
    });

    it('has a gradient equal to the scatter-add of the upstream gradient (repeated ids summed)', async () => {
      await expectNoTensorLeak(() => {
        const embedding = new TokenEmbedding(10, 3, { seed: 4 });
        const idTensor = tf.tensor2d(ids, [2, 4], 'int32');
        const upstream = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 8);
        const gradient = tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => tf.sum<tf.Scalar>(tf.mul(embedding.apply(idTensor), upstream)),
            [embedding.weight],
          );
          return grads[embedding.weight.name] ?? tf.scalar(NaN);
        });
        const up = upstream.arraySync() as number[][][];
        const expected = Array.from({ length: 10 }, () => [0, 0, 0]);
        ids.forEach((row, b) =>
          row.forEach((id, t) =>
            up[b]?.[t]?.forEach((g, d) => {
              const target = expected[id];
              if (target) target[d] = (target[d] ?? 0) + g;
            }),
          ),
        );
        const actual = gradient.arraySync() as number[][];
        expect(gradient.shape).toEqual([10, 3]);
        actual.forEach((row, r) => row.forEach((g, d) => expect(g).toBeCloseTo(expected[r]?.[d] ?? NaN, 5)));
        expect(actual[2]).toEqual([0, 0, 0]);
        tf.dispose([idTensor, upstream, gradient]);
        embedding.dispose();
      });
    });

    it('refuses ids outside the vocabulary', async () => {
      await expectNoTensorLeak(() => {
        const embedding = new TokenEmbedding(5, 2);
        const bad = tf.tensor1d([1, 5], 'int32');
        expect(() => embedding.apply(bad)).toThrow(UserError);
        bad.dispose();
        embedding.dispose();
      });
    });
  });
}

describe('TokenEmbedding keys', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('stores weight as [vocab, dim]', async () => {
    await expectNoTensorLeak(() => {
      const embedding = new TokenEmbedding(30, 6);
      expect(embedding.namedParameters().map(([name, v]) => [name, v.shape])).toEqual([['weight', [30, 6]]]);
      embedding.dispose();
    });
  });
});
