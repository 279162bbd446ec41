/**
 * The suite each per-direction test file runs: one direction of the implicit-GEMM Conv3D kernels
 * against the tfjs cpu backend on every configuration of conv3d-cases.ts (the gradients only on
 * undilated ones: tfjs has no dilated Conv3D gradients), with the kernels registered for the file
 * and tfjs's own put back after it. One direction per file keeps each file's cold shader compiles
 * on lavapipe well inside the time limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImplicitGemmConv3d } from '../../../../../src/main/engine/backends/webgpu-kernels/conv3d-kernels';
import type { WebgpuForTests } from '../../../../helpers/webgpu-backend';
import { CASES, checkDirection, describeCase, type Direction } from './conv3d-cases';

export function describeDirectionAgainstCpu(
  title: string,
  direction: Direction,
  { loaded, unavailable, required }: WebgpuForTests,
): void {
  const cases = direction === 'forward' ? CASES : CASES.filter((c) => c.dilations.every((d) => d === 1));
  describe(title, () => {
    it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
      expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
    });

    let restore = (): void => {};
    beforeAll(() => {
      if (loaded) restore = registerImplicitGemmConv3d();
    });
    afterAll(() => restore());

    it.skipIf(!loaded).each(cases.map((c, i) => [i, describeCase(c), c] as const))(
      'case %i: %s',
      async (i, _label, c) => {
        await checkDirection(c, 100 + i, direction);
      },
      60_000,
    );
  });
}
