import { beforeAll, describe, expect, it } from 'vitest';
import { Embeddings } from '../../../../src/main/engine/layers/bert-embeddings';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = { vocabSize: 20, hiddenSize: 4, maxPositions: 8, seed: 3 };

describe('BERT Embeddings', () => {
  it('has the BERT keys under embeddings.*', async () => {
    await expectNoTensorLeak(() => {
      const embeddings = new Embeddings(config);
      expect(embeddings.namedParameters('embeddings').map(([name, v]) => [name, v.shape])).toEqual([
        ['embeddings.word_embeddings.weight', [20, 4]],
        ['embeddings.position_embeddings.weight', [8, 4]],
        ['embeddings.token_type_embeddings.weight', [2, 4]],
        ['embeddings.LayerNorm.weight', [4]],
        ['embeddings.LayerNorm.bias', [4]],
      ]);
      embeddings.dispose();
    });
  });

  it('is LayerNorm(word + position + token type), eps 1e-12, and trains every table', async () => {
    await expectNoTensorLeak(() => {
      const embeddings = new Embeddings(config);
      const ids = [
        [1, 5, 5, 0],
        [19, 2, 0, 0],
      ];
      const types = [
        [0, 0, 1, 1],
        [0, 1, 1, 1],
      ];
      const idTensor = tf.tensor2d(ids, [2, 4], 'int32');
      const typeTensor = tf.tensor2d(types, [2, 4], 'int32');
      const y = embeddings.apply(idTensor, typeTensor);
      const word = embeddings.word_embeddings.weight.arraySync() as number[][];
      const position = embeddings.position_embeddings.weight.arraySync() as number[][];
      const type = embeddings.token_type_embeddings.weight.arraySync() as number[][];
      const out = y.arraySync() as number[][][];
      ids.forEach((row, b) =>
        row.forEach((id, t) => {
          const sum = [0, 1, 2, 3].map(
            (d) => (word[id]?.[d] ?? NaN) + (position[t]?.[d] ?? NaN) + (type[types[b]?.[t] ?? 0]?.[d] ?? NaN),
          );
          const mean = sum.reduce((s, v) => s + v, 0) / 4;
          const variance = sum.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
          sum.forEach((v, d) => expect(out[b]?.[t]?.[d]).toBeCloseTo((v - mean) / Math.sqrt(variance + 1e-12), 3));
        }),
      );
      const gradNames = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(tf.square(embeddings.apply(idTensor, typeTensor))));
        return Object.keys(grads).length;
      });
      expect(gradNames).toBe(5);
      tf.dispose([idTensor, typeTensor, y]);
      embeddings.dispose();
    });
  });
});
