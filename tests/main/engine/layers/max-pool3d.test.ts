import { beforeAll, describe, expect, it } from 'vitest';
import type { Triple } from '../../../../src/main/engine/layers/conv3d';
import { MaxPool3d } from '../../../../src/main/engine/layers/max-pool3d';
import { tf } from '../../../../src/main/engine/tf';
import { BugError } from '../../../../src/shared/errors';
import { gradientMismatches, projectToScalar, variableOf } from '../../../helpers/finite-difference-layers';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** PyTorch's definition by loops: out-of-range taps are skipped (padding is -inf), floor rounding. */
function naiveMaxPool3d(x: number[][][][][], kernel: Triple, stride: Triple, padding: Triple): number[][][][][] {
  const dims = [x[0]?.length ?? 0, x[0]?.[0]?.length ?? 0, x[0]?.[0]?.[0]?.length ?? 0] as const;
  const channels = x[0]?.[0]?.[0]?.[0]?.length ?? 0;
  const size = (axis: 0 | 1 | 2): number =>
    Math.floor((dims[axis] + 2 * padding[axis] - kernel[axis]) / stride[axis]) + 1;
  const [od, oh, ow] = [size(0), size(1), size(2)];
  return x.map((volume) =>
    Array.from({ length: od }, (_, z) =>
      Array.from({ length: oh }, (_, y) =>
        Array.from({ length: ow }, (_, w) =>
          Array.from({ length: channels }, (_, c) => {
            let best = -Infinity;
            for (let a = 0; a < kernel[0]; a++)
              for (let b = 0; b < kernel[1]; b++)
                for (let e = 0; e < kernel[2]; e++) {
                  const value =
                    volume[z * stride[0] + a - padding[0]]?.[y * stride[1] + b - padding[1]]?.[
                      w * stride[2] + e - padding[2]
                    ]?.[c];
                  if (value !== undefined) best = Math.max(best, value);
                }
            return best;
          }),
        ),
      ),
    ),
  );
}

describe('MaxPool3d', () => {
  const cases: Array<{ kernel: Triple; stride: Triple; padding: Triple }> = [
    { kernel: [3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1] },
    { kernel: [2, 3, 2], stride: [1, 2, 3], padding: [1, 0, 1] },
    { kernel: [2, 2, 2], stride: [2, 2, 2], padding: [0, 0, 0] },
  ];
  for (const { kernel, stride, padding } of cases) {
    it(`matches PyTorch semantics: kernel ${kernel.join('x')}, stride ${stride.join('x')}, padding ${padding.join('x')}`, async () => {
      await expectNoTensorLeak(() => {
        const pool = new MaxPool3d(kernel, stride, padding);
        // All-negative inputs: zero padding instead of -inf padding would show up as zeros.
        const x = tf.tidy(() => tf.sub(tf.randomUniform([2, 5, 6, 7, 2], 0, 1, 'float32', 3), 2));
        const y = pool.apply(x);
        const expected = tf.tensor(naiveMaxPool3d(x.arraySync() as number[][][][][], kernel, stride, padding));
        expect(y.shape).toEqual(expected.shape);
        expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
        tf.dispose([x, y, expected]);
        pool.dispose();
      });
    });
  }

  it('defaults stride to the kernel and refuses padding over half the kernel', async () => {
    await expectNoTensorLeak(() => {
      const pool = new MaxPool3d(2);
      expect(pool.stride).toEqual([2, 2, 2]);
      expect(pool.namedParameters()).toEqual([]);
      pool.dispose();
      expect(() => new MaxPool3d(3, 2, 2)).toThrow(BugError);
    });
  });

  it('routes the gradient to the maximum of each window', async () => {
    await expectNoTensorLeak(() => {
      const pool = new MaxPool3d(3, 2, 1);
      const x = variableOf(tf.randomNormal([1, 4, 4, 3, 2], 0, 1, 'float32', 17));
      const r = tf.randomNormal([1, 2, 2, 2, 2], 0, 1, 'float32', 18);
      const mismatches = gradientMismatches(() => projectToScalar(pool.apply(x), r), { x }, { step: 1e-3 });
      expect(mismatches).toEqual([]);
      tf.dispose([x, r]);
    });
  });
});
