/**
 * GPU memory per backend: what `tf.memory()` reports on webgpu (numBytesInGPU, and
 * numBytesAllocatedInGPU for buffers kept for reuse) becomes the bytes the backend holds; the CPU
 * and wasm backends hold none. The webgpu case runs where Dawn finds an adapter (CI: lavapipe).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { currentGpuMemory, gpuMemoryOf } from '../../../../src/main/engine/backends/gpu-memory';
import { wasmCandidate } from '../../../../src/main/engine/backends/wasm-candidate';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded: webgpu } = await loadWebgpuForTests('gpu-memory.test');

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('GPU memory of the backend', () => {
  it('reads the bytes a WebGPU-shaped memory report holds, and nothing from a CPU-shaped one', () => {
    expect(gpuMemoryOf('webgpu', { numBytesInGPU: 4096, numBytesAllocatedInGPU: 8192, unreliable: false })).toEqual({
      backend: 'webgpu',
      bytes: 8192,
    });
    expect(gpuMemoryOf('webgl', { numBytesInGPU: 1024 })).toEqual({ backend: 'webgl', bytes: 1024 });
    expect(gpuMemoryOf('cpu', { numTensors: 3, numBytes: 12, unreliable: true })).toBeNull();
    expect(gpuMemoryOf('tensorflow', { numTensors: 3, numBytes: 12, numBytesInGPU: Number.NaN })).toBeNull();
  });

  it('is null on the cpu and wasm backends, even with tensors alive', async () => {
    await tf.setBackend('cpu');
    await expectNoTensorLeak(() => {
      const x = tf.ones([64, 64]);
      expect(currentGpuMemory()).toBeNull();
      x.dispose();
    });
    await wasmCandidate().load();
    expect(tf.getBackend()).toBe('wasm');
    await expectNoTensorLeak(() => {
      const x = tf.ones([64, 64]);
      expect(currentGpuMemory()).toBeNull();
      x.dispose();
    });
  });

  it.skipIf(!webgpu)('counts the buffers of live tensors on webgpu', async () => {
    await tf.setBackend('webgpu');
    await expectNoTensorLeak(async () => {
      const x = tf.tidy(() => tf.add(tf.ones([256, 256]), 1)); // computed on the GPU: a GPU buffer
      await x.data();
      const gpu = currentGpuMemory();
      expect(gpu?.backend).toBe('webgpu');
      expect(gpu?.bytes).toBeGreaterThanOrEqual(256 * 256 * 4);
      x.dispose();
    });
  });
});
