/**
 * Mixed precision on webgpu (Mesa lavapipe in CI, which has shader-f16): enableMixedPrecision
 * turns the implicit-GEMM Conv3D kernels to f16 only when they run, and loss scaling is what
 * keeps small gradients alive through them. A conv layer whose loss is tiny (1e-8 x a sum of
 * squares) has output gradients around 2e-8, below f16's smallest subnormal (6e-8): unscaled, the
 * f16 filter gradient is lost (measured relative error 1.0: all zeros); scaled by the default 2^16
 * and unscaled afterwards it matches the float32 cpu gradient (measured 5.9e-4).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { disableMixedPrecision, enableMixedPrecision } from '../../../../src/main/engine/backends/mixed-precision';
import {
  registerImplicitGemmConv3d,
  restoreOriginalConv3d,
} from '../../../../src/main/engine/backends/webgpu-kernels/conv3d-kernels';
import { kernelPrecision } from '../../../../src/main/engine/backends/webgpu-kernels/kernel-precision';
import { accumulatedGradients, disposeGradients } from '../../../../src/main/engine/train/accumulated-gradients';
import { LOSS_SCALER_DEFAULTS } from '../../../../src/main/engine/train/loss-scaler';
import { tf } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';
import { randomValues } from '../backends/webgpu-kernels/conv3d-cases';

const { loaded, unavailable, required } = await loadWebgpuForTests('mixed-precision-webgpu.test');
const hasF16 = loaded?.device?.details['shaderF16'] === true;

afterAll(() => {
  disableMixedPrecision();
  restoreOriginalConv3d();
});

/** The filter gradient of loss = 1e-8 * Σ conv3d(x, w)² on the current backend, scaled or not. */
async function filterGradient(lossScale: number | null): Promise<Float32Array> {
  const x = tf.tensor5d(randomValues(2 * 6 * 6 * 6 * 8, 11), [2, 6, 6, 6, 8]);
  const w = tf.variable(tf.tensor5d(randomValues(3 * 3 * 3 * 8 * 8, 12), [3, 3, 3, 8, 8]), true, 'mp_w');
  const before = tf.memory().numTensors;
  const step = await accumulatedGradients(
    [{ name: 'w', variable: w }],
    [{ size: 1, loss: () => tf.mul(tf.sum(tf.square(tf.conv3d(x, w, 1, 'same'))), 1e-8) }],
    null,
    { lossScale },
  );
  expect(step.finite).toBe(true);
  // As the optimizer applies it: the returned tensor times the step's gradientScale (1 / lossScale).
  const values = Float32Array.from(await step.gradients.get('w')!.data(), (v) => v * step.gradientScale);
  disposeGradients(step.gradients);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, w]);
  return values;
}

function relativeError(got: Float32Array, want: Float32Array): number {
  let error = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i += 1) {
    error += ((got[i] ?? NaN) - (want[i] ?? 0)) ** 2;
    norm += (want[i] ?? 0) ** 2;
  }
  return Math.sqrt(error / norm);
}

describe('mixed precision on webgpu', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it('stays float32 on the cpu backend, saying why', async () => {
    await tf.setBackend('cpu');
    const choice = enableMixedPrecision();
    expect(choice).toMatchObject({ f16Kernels: false });
    expect(choice.description).toMatch(/cpu backend has no f16 kernels/);
    expect(kernelPrecision()).toBe('float32');
  });

  it.skipIf(!hasF16)('uses f16 only where the GEMM Conv3D kernels run', async () => {
    await tf.setBackend('webgpu');
    restoreOriginalConv3d();
    const withoutGemm = enableMixedPrecision();
    expect(withoutGemm.f16Kernels).toBe(false);
    expect(withoutGemm.description).toMatch(/CTVLM_WEBGPU_CONV3D=implicit-gemm/);
    registerImplicitGemmConv3d();
    expect(enableMixedPrecision().f16Kernels).toBe(true);
    expect(kernelPrecision()).toBe('f16');
    disableMixedPrecision();
    expect(kernelPrecision()).toBe('float32');
  });

  it.skipIf(!hasF16)(
    'keeps a tiny gradient through the f16 kernels only with loss scaling',
    async () => {
      await tf.setBackend('cpu');
      const reference = await filterGradient(null);
      await tf.setBackend('webgpu');
      registerImplicitGemmConv3d();
      expect(enableMixedPrecision().f16Kernels).toBe(true);
      const unscaled = relativeError(await filterGradient(null), reference);
      const scaled = relativeError(await filterGradient(LOSS_SCALER_DEFAULTS.initialScale), reference);
      disableMixedPrecision();
      console.info(
        `[mixed precision] filter gradient error vs float32: ${unscaled.toExponential(2)} unscaled, ${scaled.toExponential(2)} scaled by 2^16`,
      );
      expect(scaled).toBeLessThan(1e-2);
      expect(unscaled).toBeGreaterThan(0.5);
    },
    60_000,
  );
});
