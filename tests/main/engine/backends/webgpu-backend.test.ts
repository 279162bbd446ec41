/**
 * WebGPU correctness: matmul, conv3d forward and both conv3d gradients on random inputs, on webgpu
 * (Dawn) and on cpu. In CI Dawn runs on Mesa's lavapipe (a CPU Vulkan driver) and .ci/run sets
 * CTVLM_REQUIRE_WEBGPU=1, so a missing adapter fails there instead of skipping. Elsewhere it skips
 * and says why.
 *
 * Tolerance atol = rtol = 1e-3. The largest sums here are the filter gradient's 2*8*12*12 = 2304
 * products of values in [-1, 1]; a float32 sum of n terms reordered differently is off by about
 * sqrt(n) * 2^-24 * |sum| (worst case n * 2^-24 * |sum|, ~7e-3 at |sum| = 50, which rtol covers
 * as 5e-2). A wrong index or padding in a WGSL kernel is off by O(0.1) or more.
 */
import { describe, expect, it } from 'vitest';
import {
  OUTPUT_NAMES,
  compareOutputs,
  makeInputs,
  runWorkload,
  type WorkloadShapes,
} from '../../../../src/main/engine/backends/self-test';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('webgpu-backend.test');

const SHAPES: WorkloadShapes[] = [
  { x: [2, 8, 12, 12, 3], filter: [3, 3, 3, 3, 4], matmul: [128, 96, 80] },
  { x: [1, 5, 7, 9, 2], filter: [3, 1, 3, 2, 5], matmul: [31, 67, 17] },
];

describe('webgpu backend (Dawn)', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded).each(SHAPES)('matches cpu for conv3d, its gradients and matmul: x $x', async (shapes) => {
    const inputs = makeInputs(shapes, 7);
    const cpu = await runWorkload('cpu', inputs);
    const gpu = await runWorkload('webgpu', inputs);
    for (const name of OUTPUT_NAMES) {
      const result = compareOutputs({ ...gpu, [name]: cpu[name] }, gpu);
      expect(result.passed, `${name}: max error ${result.maxAbsError}, worst ${JSON.stringify(result.worst)}`).toBe(
        true,
      );
      // not a vacuous comparison: the outputs are non-trivial
      expect(Math.max(...Array.from(cpu[name], Math.abs))).toBeGreaterThan(0.5);
    }
  });

  it.skipIf(!loaded)('describes the adapter with its limits', () => {
    expect(loaded?.device?.details).toMatchObject({
      vendor: expect.any(String) as string,
      architecture: expect.any(String) as string,
      maxBufferSize: expect.any(Number) as number,
      maxStorageBufferBindingSize: expect.any(Number) as number,
    });
  });
});
