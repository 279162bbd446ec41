import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { gradientMismatches, variableOf } from '../../../helpers/finite-difference-layers';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A square whose registered gradient is deliberately wrong (x instead of 2x).
const wrongSquare = tf.customGrad((...inputs: Array<Tensor | tf.GradSaveFunc>) => {
  const x = inputs[0] as Tensor;
  return { value: tf.square(x), gradFunc: (dy: Tensor) => tf.mul(dy, x) };
});

describe('gradientMismatches (the layers tests rely on it)', () => {
  it('accepts a correct gradient, leaves the variable unchanged and catches a wrong one', async () => {
    await expectNoTensorLeak(() => {
      const x = variableOf(tf.tensor1d([0.5, -1.5, 2]));
      expect(gradientMismatches(() => tf.sum(tf.square(x)), { x })).toEqual([]);
      expect(Array.from(x.dataSync())).toEqual([0.5, -1.5, 2]);
      const caught = gradientMismatches(() => tf.sum(wrongSquare(x)), { x });
      expect(caught.map((m) => m.index)).toEqual([0, 1, 2]);
      x.dispose();
    });
  });
});
