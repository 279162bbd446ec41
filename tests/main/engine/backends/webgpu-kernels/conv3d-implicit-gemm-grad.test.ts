/**
 * The implicit-GEMM Conv3D kernels as training uses them: gradients through tf.grad of tf.conv3d
 * (so tfjs's gradient path reaches the GEMM kernels), and split-K (the partials' reduce dispatch
 * ran) for grad filter of small filters over a long reduction and for deep layers' forward and
 * grad input. Each is compared with the tfjs cpu backend, with the tolerance argued in
 * conv3d-cases.ts. The grid limit and registration are in conv3d-implicit-gemm-limits.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImplicitGemmConv3d } from '../../../../../src/main/engine/backends/webgpu-kernels/conv3d-kernels';
import { tf } from '../../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../../helpers/tensor-leaks';
import { loadWebgpuForTests } from '../../../../helpers/webgpu-backend';
import {
  checkDirection,
  randomValues,
  recordPrograms,
  TOLERANCE,
  worstRelativeError,
  type ConvCase,
  type Result,
  type Shape5,
} from './conv3d-cases';

const { loaded, unavailable, required } = await loadWebgpuForTests('conv3d-implicit-gemm-grad.test');

/** d/dx and d/dW of sum(conv3d(x, W) * r) on `backend`. */
async function convGrads(
  backend: 'cpu' | 'webgpu',
  xShape: Shape5,
  filterShape: Shape5,
  strides: [number, number, number],
  pad: 'valid' | 'same',
): Promise<[Result, Result]> {
  await tf.setBackend(backend);
  return expectNoTensorLeak(async () => {
    const x = tf.tensor5d(randomValues(tf.util.sizeFromShape(xShape), 11), xShape);
    const w = tf.tensor5d(randomValues(tf.util.sizeFromShape(filterShape), 12), filterShape);
    const outShape = tf.backend_util.computeConv3DInfo(xShape, filterShape, strides, 1, pad).outShape;
    const r = tf.tensor5d(randomValues(tf.util.sizeFromShape(outShape), 13), outShape);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, strides, pad), r)),
    );
    const [dx, dw] = grads([x, w]) as [tf.Tensor, tf.Tensor];
    const result: [Result, Result] = [
      { values: (await dx.data()) as Float32Array, shape: dx.shape },
      { values: (await dw.data()) as Float32Array, shape: dw.shape },
    ];
    tf.dispose([x, w, r, dx, dw]);
    return result;
  });
}

describe('implicit-GEMM Conv3D kernels in training use (webgpu)', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  let restore = (): void => {};
  beforeAll(() => {
    if (loaded) restore = registerImplicitGemmConv3d();
  });
  afterAll(() => restore());

  it.skipIf(!loaded).each([
    [[2, 5, 6, 7, 3], [3, 3, 3, 3, 8], [2, 2, 2], 'same'],
    [[1, 6, 5, 4, 4], [1, 3, 3, 4, 17], [1, 2, 1], 'valid'],
  ] as [Shape5, Shape5, [number, number, number], 'valid' | 'same'][])(
    'tf.grad of tf.conv3d matches the cpu backend: x %j, filter %j, strides %j, %s',
    async (xShape, filterShape, strides, pad) => {
      const want = await convGrads('cpu', xShape, filterShape, strides, pad);
      const { result: got, keys } = await recordPrograms(() => convGrads('webgpu', xShape, filterShape, strides, pad));
      expect(keys.some((k) => k.startsWith('conv3dGemm_forward_'))).toBe(true);
      expect(keys.some((k) => k.startsWith('conv3dGemm_gradInput_'))).toBe(true);
      expect(keys.some((k) => k.startsWith('conv3dGemm_gradFilter_'))).toBe(true);
      expect(worstRelativeError(got[0], want[0]), 'dx').toBeLessThanOrEqual(TOLERANCE);
      expect(worstRelativeError(got[1], want[1]), 'dW').toBeLessThanOrEqual(TOLERANCE);
    },
    60_000,
  );

  it.skipIf(!loaded).each([
    { x: [1, 8, 16, 16, 1], filter: [7, 7, 7, 1, 16], strides: [1, 1, 1], pad: 'same', dilations: [1, 1, 1] },
    { x: [1, 8, 16, 16, 64], filter: [1, 1, 1, 64, 64], strides: [1, 1, 1], pad: 'valid', dilations: [1, 1, 1] },
  ] as ConvCase[])(
    'grad filter of a small filter over a long reduction is split over K and summed: filter $filter',
    async (c) => {
      const keys = await checkDirection(c, 5, 'gradFilter');
      expect(keys).toContain('conv3dGemm_splitKReduce');
    },
    60_000,
  );

  it.skipIf(!loaded).each(['forward', 'gradInput'] as const)(
    '%s of a deep layer (few output rows, long K) is split over K too',
    async (direction) => {
      const c: ConvCase = {
        x: [1, 4, 4, 4, 32],
        filter: [3, 3, 3, 32, 32],
        strides: [1, 1, 1],
        pad: 'same',
        dilations: [1, 1, 1],
      };
      const keys = await checkDirection(c, 9, direction);
      expect(keys).toContain('conv3dGemm_splitKReduce');
    },
    60_000,
  );
});
