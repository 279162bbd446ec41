/**
 * The engine's WebGPU backend (webgpu-backend.ts) on Dawn (Mesa lavapipe in CI):
 * - tensors made on the CPU reach the GPU by queue.writeBuffer, with no buffer created and no copy
 *   recorded per upload (tfjs 4.22 created a staging buffer and a copy for every scalar), and the
 *   uploaded values are right for float32, int32 and bool;
 * - an error the GPU reports (here an invalid shader) fails the next read-back with GPU_ERROR instead
 *   of returning wrong values, and later reads work again.
 */
import { describe, expect, it } from 'vitest';
import { type AppError, BugError, UserError } from '../../../../src/shared/errors';
import { gpuFailure } from '../../../../src/main/engine/backends/webgpu-backend';
import { tf } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('webgpu-engine-backend.test');

/** Counts calls of a method of a Dawn object (its native methods live on the prototype); returns the undo. */
function countCalls(target: object, method: string): { count: () => number; restore: () => void } {
  const prototype = Object.getPrototypeOf(target) as object;
  const original = Reflect.get(prototype, method) as (this: unknown, ...args: unknown[]) => unknown;
  let calls = 0;
  Reflect.set(prototype, method, function (this: unknown, ...args: unknown[]): unknown {
    calls += 1;
    return original.apply(this, args);
  });
  return { count: () => calls, restore: () => Reflect.set(prototype, method, original) };
}

describe('engine webgpu backend', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)('uploads scalars and small tensors without creating buffers or recording copies', async () => {
    await tf.setBackend('webgpu');
    const device = Reflect.get(tf.backend(), 'device') as object;
    // Over tfjs's CPU hand-off threshold (1,000 elements), so the kernel really runs on the GPU.
    const values = Float32Array.from({ length: 4096 }, (_, i) => (i % 17) - 8);
    const x = tf.tensor1d(values);
    const multiply = (factor: number): Promise<Float32Array> => {
      const y = tf.mul(x, factor); // factor becomes a CPU scalar tensor, uploaded when the kernel reads it
      return y.data().finally(() => y.dispose()) as Promise<Float32Array>;
    };
    await multiply(0.5); // warm-up: pipelines, pooled buffers
    const created = countCalls(device, 'createBuffer');
    const encoders = countCalls(device, 'createCommandEncoder');
    try {
      for (let i = 0; i < 20; i += 1) {
        expect(Array.from(await multiply(i + 0.25))).toEqual(Array.from(values, (v) => v * (i + 0.25)));
      }
      // 20 kernels with 20 uploads: tfjs 4.22 alone created a staging buffer for each
      expect(created.count()).toBe(0);
      expect(encoders.count()).toBeGreaterThan(0); // the counters do see the device's calls
    } finally {
      created.restore();
      encoders.restore();
      x.dispose();
    }
  });

  it.skipIf(!loaded)('uploads int32 and bool values exactly', async () => {
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    // over the CPU hand-off threshold; ints below 2^24 (tfjs-webgpu adds int32 in float32)
    const n = 3000;
    const ints = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 8_000_001 - i : -i));
    const flags = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const [a, b, c] = [tf.tensor1d(ints, 'int32'), tf.tensor1d(flags, 'bool'), tf.range(0, n, 1, 'float32')];
    const sum = tf.tidy(() => tf.add(a, tf.scalar(3, 'int32')));
    const chosen = tf.tidy(() => tf.where(b, c, tf.neg(c)));
    const gotSum = await sum.data();
    const gotChosen = await chosen.data();
    for (let i = 0; i < n; i += 1) {
      expect(gotSum[i]).toBe(ints[i]! + 3);
      expect(gotChosen[i]).toBe(flags[i] ? i : -i);
    }
    tf.dispose([a, b, c, sum, chosen]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.skipIf(!loaded)('fails the read-back after the GPU rejects work, then reads normally again', async () => {
    await tf.setBackend('webgpu');
    const backend = tf.backend() as unknown as {
      runWebGPUProgram(program: object, inputs: tf.Tensor[], dtype: string): tf.TensorInfo;
    };
    const x = tf.tensor1d([1, 2, 3]);
    const broken = {
      variableNames: ['x'],
      outputShape: [3],
      dispatchLayout: { x: [0] },
      dispatch: [1, 1, 1],
      workgroupSize: [64, 1, 1],
      size: true,
      shaderKey: 'ctvlm_test_invalid_shader',
      getUserCode: () => 'fn main(index : i32) { let broken : f32 = 1 - ; }',
    };
    const out = tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(broken, [x], 'float32'));
    const failure: unknown = await out.data().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(BugError);
    expect((failure as AppError).code).toBe('GPU_ERROR');
    expect((failure as AppError).message).toMatch(/GPU rejected work/);
    out.dispose();
    const y = tf.mul(x, 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    tf.dispose([x, y]);
  });
});

describe('gpuFailure', () => {
  it('tells a person what to do when the GPU ran out of memory', () => {
    const error = gpuFailure({
      count: 3,
      messages: ['vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY - While calling [Device].CreateBuffer'],
    });
    expect(error).toBeInstanceOf(UserError);
    expect((error as AppError).code).toBe('GPU_ERROR');
    expect(error.message).toMatch(/ran out of memory.*3 GPU errors.*gradient checkpointing/s);
  });

  it('reports anything else as a defect with the first message', () => {
    const error = gpuFailure({ count: 1, messages: ['Dispatch size exceeds WebGPU limits in Y or Z dimension.'] });
    expect(error).toBeInstanceOf(BugError);
    expect(error.message).toContain('Dispatch size exceeds WebGPU limits');
  });
});
