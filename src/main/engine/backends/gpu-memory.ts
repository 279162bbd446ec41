/**
 * How many bytes the current backend holds on the GPU, where the backend can say: WebGPU reports
 * `numBytesInGPU` (bytes of live tensors in GPU buffers) beside `numBytesAllocatedInGPU` (buffers
 * kept for reuse) in `tf.memory()`; WebGL reports `numBytesInGPU` too. The native tensorflow
 * backend (tfjs-node-gpu) does not report GPU memory, and CPU and wasm hold none: null.
 */
import { tf } from '../tf';

export interface GpuMemory {
  /** The backend's name, as tfjs knows it (webgpu, webgl). */
  backend: string;
  /** Bytes the backend holds on the GPU: the larger of used and allocated, where both are known. */
  bytes: number;
}

/** GPU bytes from one `tf.memory()` reading of `backend`, or null when it reports none. */
export function gpuMemoryOf(backend: string, memory: object): GpuMemory | null {
  const used = numberField(memory, 'numBytesInGPU');
  if (used === null) return null;
  const allocated = numberField(memory, 'numBytesAllocatedInGPU');
  return { backend, bytes: Math.max(used, allocated ?? 0) };
}

/** The current backend's GPU bytes, or null on a backend without GPU memory (cpu, wasm, tensorflow). */
export function currentGpuMemory(): GpuMemory | null {
  return gpuMemoryOf(tf.getBackend(), tf.memory());
}

function numberField(value: object, key: string): number | null {
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === 'number' && Number.isFinite(field) ? field : null;
}
