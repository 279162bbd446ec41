import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm3d } from '../../../../src/main/engine/layers/batch-norm3d';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { gradientMismatches, projectToScalar, variableOf } from '../../../helpers/finite-difference-layers';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A BatchNorm3d(3) with given statistics and affine parameters, loaded through its state dict. */
function givenBatchNorm(): BatchNorm3d {
  const bn = new BatchNorm3d(3);
  const values = new Map<string, Tensor>([
    ['weight', tf.tensor1d([1.5, -0.5, 2])],
    ['bias', tf.tensor1d([0.1, 0.2, -0.3])],
    ['running_mean', tf.tensor1d([0.5, -1, 2])],
    ['running_var', tf.tensor1d([4, 0.25, 1e-6])],
    ['num_batches_tracked', tf.scalar(12, 'int32')],
  ]);
  bn.loadStateDict(values);
  tf.dispose([...values.values()]);
  return bn;
}

describe('BatchNorm3d (frozen statistics)', () => {
  it('has the PyTorch keys, with an int32 scalar num_batches_tracked', async () => {
    await expectNoTensorLeak(() => {
      const bn = new BatchNorm3d(4);
      expect(bn.namedParameters().map(([name]) => name)).toEqual(['weight', 'bias']);
      expect(bn.namedBuffers().map(([name, t]) => [name, t.shape, t.dtype])).toEqual([
        ['running_mean', [4], 'float32'],
        ['running_var', [4], 'float32'],
        ['num_batches_tracked', [], 'int32'],
      ]);
      bn.dispose();
    });
  });

  it('computes (x - mean) / sqrt(var + 1e-5) * weight + bias per channel, NDHWC', async () => {
    await expectNoTensorLeak(() => {
      const bn = givenBatchNorm();
      const x = tf.randomNormal([2, 2, 3, 2, 3], 0, 2, 'float32', 9);
      const y = bn.apply(x);
      const xs = x.dataSync();
      const ys = y.dataSync();
      const w = [1.5, -0.5, 2];
      const b = [0.1, 0.2, -0.3];
      const m = [0.5, -1, 2];
      const v = [4, 0.25, 1e-6];
      xs.forEach((value, i) => {
        const c = i % 3;
        const expected = ((value - (m[c] ?? 0)) / Math.sqrt((v[c] ?? 0) + 1e-5)) * (w[c] ?? 0) + (b[c] ?? 0);
        expect(ys[i]).toBeCloseTo(expected, 3);
      });
      tf.dispose([x, y]);
      bn.dispose();
    });
  });

  it('uses the running statistics in training mode too and never updates them', async () => {
    await expectNoTensorLeak(() => {
      const bn = givenBatchNorm().train();
      const before = bn.namedBuffers().map(([name, t]) => [name, Array.from(t.dataSync())]);
      const x = tf.randomNormal([2, 2, 2, 2, 3], 5, 3, 'float32', 2);
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(bn.apply(x)));
        expect(Object.keys(grads).sort()).toEqual([bn.weight.name, bn.bias.name].sort());
      });
      const trainOut = bn.apply(x);
      bn.eval();
      const evalOut = bn.apply(x);
      expect(Array.from(trainOut.dataSync())).toEqual(Array.from(evalOut.dataSync()));
      const after = bn.namedBuffers().map(([name, t]) => [name, Array.from(t.dataSync())]);
      expect(after).toEqual(before);
      tf.dispose([x, trainOut, evalOut]);
      bn.dispose();
    });
  });

  it('has weight, bias and input gradients that match finite differences', async () => {
    await expectNoTensorLeak(() => {
      const bn = givenBatchNorm();
      const updated = new Map([['running_var', tf.tensor1d([4, 0.25, 0.5])]]);
      bn.loadStateDict(updated, { strict: false });
      tf.dispose([...updated.values()]);
      const x = variableOf(tf.randomNormal([1, 2, 2, 2, 3], 0, 1, 'float32', 4));
      const r = tf.randomNormal([1, 2, 2, 2, 3], 0, 1, 'float32', 5);
      const mismatches = gradientMismatches(() => projectToScalar(bn.apply(x), r), {
        weight: bn.weight,
        bias: bn.bias,
        x,
      });
      expect(mismatches).toEqual([]);
      tf.dispose([x, r]);
      bn.dispose();
    });
  });
});
