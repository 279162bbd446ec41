/**
 * The global gradient norm of a step (accumulated-gradients.ts: gradients flattened and concatenated
 * in groups, each squared by one matmul, the groups summed by AddNs of at most 7 inputs) against a
 * float64 sum, on cpu and on webgpu (Mesa lavapipe in CI). Before, one AddN over every parameter
 * exceeded WebGPU's 8 storage buffers per shader and the norm of any real model was wrong there.
 * Tolerance 1e-5 relative: float32 sums of a few thousand squares in another order.
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../../../src/main/engine/tf';
import { squaredNorm } from '../../../../src/main/engine/train/accumulated-gradients';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('gradient-norm.test');

/** 40 gradients of assorted shapes (scalars, vectors, matrices, a 5-D kernel). */
const SHAPES: number[][] = Array.from({ length: 40 }, (_, i) =>
  i % 5 === 0 ? [] : i % 5 === 1 ? [7 + i] : i % 5 === 2 ? [3, 11] : i % 5 === 3 ? [2, 3, 3, 1, 3] : [i + 1, 4],
);

function values(shape: number[], k: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, (_, i) => Math.sin(k * 7.3 + i * 1.7) * (1 + (k % 3)));
}

async function normOn(backend: string, groupEntries?: number): Promise<number> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const gradients = SHAPES.map((shape, k) => tf.tensor(values(shape, k), shape));
  const squared = tf.tidy(() => squaredNorm(gradients, groupEntries));
  const [value = NaN] = await squared.data();
  tf.dispose([squared, ...gradients]);
  expect(tf.memory().numTensors).toBe(before);
  return value;
}

const expected = SHAPES.reduce((sum, shape, k) => sum + values(shape, k).reduce((s, v) => s + v * v, 0), 0);

describe('the gradient norm', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it('sums 40 gradients as float64 does (cpu), in one group or in groups of at most 50 entries', async () => {
    expect(Math.abs((await normOn('cpu')) - expected) / expected).toBeLessThan(1e-5);
    expect(Math.abs((await normOn('cpu', 50)) - expected) / expected).toBeLessThan(1e-5);
  });

  it.skipIf(!loaded)('sums 40 gradients as float64 does on webgpu, in one group or in many', async () => {
    expect(Math.abs((await normOn('webgpu')) - expected) / expected).toBeLessThan(1e-5);
    expect(Math.abs((await normOn('webgpu', 50)) - expected) / expected).toBeLessThan(1e-5);
  });
});
