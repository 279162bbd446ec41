import { beforeAll, describe, expect, it } from 'vitest';
import { calibrateBatchNorm } from '../../../../src/main/engine/layers/batch-norm-calibration';
import { BatchNorm3d } from '../../../../src/main/engine/layers/batch-norm3d';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('calibrateBatchNorm', () => {
  it("sets each layer's statistics from its input, so the batch comes out normalised", async () => {
    const bn = new BatchNorm3d(3);
    const x = tf.add(tf.mul(tf.randomNormal([2, 4, 4, 4, 3], 0, 1, 'float32', 7), [2, 5, 0.5]), [10, -3, 1]);
    await expectNoTensorLeak(() => calibrateBatchNorm(bn, () => tf.dispose(bn.apply(x))));
    expect(Array.from(await bn.runningMean.data())).toEqual(Array.from(await tf.moments(x, [0, 1, 2, 3]).mean.data()));
    const y = bn.apply(x);
    const { mean, variance } = tf.moments(y, [0, 1, 2, 3]);
    (await mean.data()).forEach((value) => expect(value).toBeCloseTo(0, 4));
    (await variance.data()).forEach((value) => expect(value).toBeCloseTo(1, 3));
    expect(bn.calibrating).toBe(false);
    tf.dispose([x, y, mean, variance, bn.runningMean, bn.runningVar]);
  });

  it('calibrates every BatchNorm of a CT-VLM in one pass, and images then embed apart', async () => {
    const model = new CtVlm({ ...TINY_CTVLM, seed: 3 });
    const volumes = tf.randomUniform([4, 32, 64, 64, 1], 0, 1, 'float32', 11);
    const spread = async (): Promise<number> => {
      const embedding = model.encodeImage(volumes);
      const similarity = tf.matMul(embedding, embedding, false, true);
      const values = await similarity.data();
      tf.dispose([embedding, similarity]);
      return Math.min(...values); // the least similar pair
    };
    const before = await spread();
    const layers = await expectNoTensorLeak(() =>
      calibrateBatchNorm(model, () => tf.dispose(model.encodeImage(volumes))),
    );
    expect(layers).toBe(model.namedModules().filter(([, m]) => m instanceof BatchNorm3d).length);
    expect(layers).toBeGreaterThan(10);
    const after = await spread();
    expect(after).toBeLessThan(before); // inputs no longer collapse onto one direction
    volumes.dispose();
    model.dispose();
  });
});
