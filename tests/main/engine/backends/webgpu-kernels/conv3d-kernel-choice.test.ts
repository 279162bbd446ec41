/**
 * Which Conv3D kernels the webgpu backend registers: the implicit-GEMM ones on a hardware adapter,
 * tfjs's on a software one (measured faster there), CTVLM_WEBGPU_CONV3D overriding either way, and
 * a clear error for any other value. The loaded backend (Mesa lavapipe in CI, a software adapter)
 * reports its choice in the adapter details that `ctvlm doctor` prints.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../../src/shared/errors';
import { isImplicitGemmConv3dRegistered } from '../../../../../src/main/engine/backends/webgpu-kernels/conv3d-kernels';
import { chooseConv3dKernels } from '../../../../../src/main/engine/backends/webgpu-kernels/register-engine-kernels';
import { loadWebgpuForTests } from '../../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('conv3d-kernel-choice.test');

describe('the Conv3D kernels of the webgpu backend', () => {
  it("are the GEMM ones on hardware and tfjs's on a software adapter, unless overridden", () => {
    expect(chooseConv3dKernels(false, undefined)).toBe('implicit-gemm');
    expect(chooseConv3dKernels(true, undefined)).toBe('tfjs');
    expect(chooseConv3dKernels(true, '')).toBe('tfjs');
    expect(chooseConv3dKernels(true, 'implicit-gemm')).toBe('implicit-gemm');
    expect(chooseConv3dKernels(false, 'tfjs')).toBe('tfjs');
    expect(() => chooseConv3dKernels(false, 'fast')).toThrow(UserError);
    expect(() => chooseConv3dKernels(false, 'fast')).toThrow(
      /CTVLM_WEBGPU_CONV3D is "fast"; use one of implicit-gemm, tfjs/,
    );
  });

  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)('says which were registered for the loaded adapter', () => {
    const details = loaded?.device?.details ?? {};
    const expected = chooseConv3dKernels(details['software'] === true, process.env['CTVLM_WEBGPU_CONV3D']);
    expect(details['conv3dKernels']).toBe(expected);
    expect(isImplicitGemmConv3dRegistered()).toBe(expected === 'implicit-gemm');
  });
});
