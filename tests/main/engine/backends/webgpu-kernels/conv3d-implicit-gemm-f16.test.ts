/**
 * The implicit-GEMM Conv3D kernels at f16 precision (kernel-precision.ts: operand tiles in f16,
 * f16 multiply-adds within a K tile, f32 across tiles), all three directions, against the tfjs
 * cpu backend in float32, and the overflow rule: a value f16 cannot hold makes the output tile
 * +Inf, so loss scaling sees a non-finite gradient instead of a silently clamped one.
 *
 * Tolerance 1e-2 * (1 + |cpu|): rounding both operands to f16 costs a relative 2^-11 (4.9e-4)
 * per product, and each K tile's f16 partial sum of 16 products about as much again per addition;
 * the tiles' f32 sum grows that error like sqrt(K / 16). Measured on Mesa lavapipe (whose workgroup
 * memory holds real f16): worst 2.0e-3 forward, 4.5e-3 grad input, 2.0e-3 grad filter on these
 * cases, against 3e-7 for the float32 kernels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImplicitGemmConv3d } from '../../../../../src/main/engine/backends/webgpu-kernels/conv3d-kernels';
import { setKernelPrecision } from '../../../../../src/main/engine/backends/webgpu-kernels/kernel-precision';
import { tf } from '../../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../../helpers/webgpu-backend';
import { CASES, checkDirection, describeCase, randomValues, recordPrograms, type Direction } from './conv3d-cases';

const webgpu = await loadWebgpuForTests('conv3d-implicit-gemm-f16.test');
const { loaded, unavailable, required } = webgpu;
const hasF16 = loaded?.device?.details['shaderF16'] === true;
const F16_TOLERANCE = 1e-2;

describe('implicit-GEMM Conv3D kernels in f16 on webgpu vs the cpu backend in float32', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });
  it.runIf(required && loaded !== null)('has shader-f16 on the CI adapter (lavapipe has it)', () => {
    expect(hasF16).toBe(true);
  });

  let restore = (): void => {};
  beforeAll(() => {
    if (!hasF16) return;
    restore = registerImplicitGemmConv3d();
    setKernelPrecision('f16');
  });
  afterAll(() => {
    setKernelPrecision('float32');
    restore();
  });

  // The fixed edge cases (64-wide tile, Cin = Cout = 1, dilations, strided 1x1x1) and two random ones.
  const cases = CASES.slice(0, 6);
  const directions: Direction[] = ['forward', 'gradInput', 'gradFilter'];
  const table = directions.flatMap((direction) =>
    cases
      .map((c, i) => [direction, i, describeCase(c), c] as const)
      .filter(([d, , , c]) => d === 'forward' || c.dilations.every((v) => v === 1)),
  );
  it.skipIf(!hasF16).each(table)(
    '%s case %i: %s',
    async (direction, i, _label, c) => {
      await checkDirection(c, 300 + i, direction, { tolerance: F16_TOLERANCE, precision: 'f16' });
    },
    60_000,
  );

  it.skipIf(!hasF16)(
    'turns an output tile +Inf when an input is beyond f16 (|v| > 65504), and only that tile',
    async () => {
      await tf.setBackend('webgpu');
      // 80 output voxels x 8 channels: two 64-row tiles; the large value sits under the first voxel only.
      const xValues = randomValues(80 * 4, 7);
      xValues[0] = 1e5;
      const before = tf.memory().numTensors;
      const x = tf.tensor5d(xValues, [1, 1, 1, 80, 4]);
      const filter = tf.tensor5d(randomValues(4 * 8, 8), [1, 1, 1, 4, 8]);
      const { result: y, keys } = await recordPrograms(async () => {
        const out = tf.conv3d(x, filter, 1, 'valid');
        const values = await out.data();
        out.dispose();
        return values;
      });
      expect(keys.some((k) => k.startsWith('conv3dGemm_forward_') && k.endsWith('_f16'))).toBe(true);
      const firstTile = Array.from(y.subarray(0, 64 * 8));
      const secondTile = Array.from(y.subarray(64 * 8));
      expect(firstTile.every((v) => v === Number.POSITIVE_INFINITY)).toBe(true);
      expect(secondTile.every((v) => Number.isFinite(v))).toBe(true);
      tf.dispose([x, filter]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
