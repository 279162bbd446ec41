/**
 * The tfjs WebGPU backend the engine runs on: tfjs-backend-webgpu's WebGPUBackend with two changes
 * that a training step needs.
 *
 * 1. Uploads by `queue.writeBuffer`. A tensor made on the CPU (every scalar in `tf.mul(x, 0.5)`,
 *    Adam's constants, small CPU-forwarded results) is uploaded when a kernel first reads it. tfjs
 *    4.22 does that by creating a fresh mapped staging buffer (never pooled), copying it with
 *    copyBufferToBuffer, which also ends the open compute pass: measured 685 buffer creations, 687
 *    copies and 790 compute passes per tiny training step (bench/gpu). `queue.writeBuffer` into a
 *    pooled storage buffer needs neither a new buffer nor a copy in the command stream; Dawn stages it
 *    itself. It is ordered before any command buffer submitted after it, and a pooled buffer is never
 *    referenced by the command encoder still being recorded (tfjs defers releasing a buffer used
 *    there until that encoder is submitted), so no recorded command can see the new contents early.
 * 2. GPU errors fail the work. Dawn reports validation errors and out-of-memory to the device's
 *    `uncapturederror` event and the computation goes on with garbage, so a step would return a
 *    plausible but wrong loss. Errors are collected as they arrive and thrown at the next read-back
 *    (every training step reads its loss back before applying anything).
 *
 * Its device also moves `enable` directives to the top of each shader module (shader-directives.ts),
 * so the engine's kernels can use f16.
 */
import { BugError, UserError } from '../../../shared/errors';
import type * as tfjsWebgpu from '@tensorflow/tfjs-backend-webgpu';
import { hoistShaderDirectives } from './shader-directives';
import type { GPUDevice } from './webgpu-types';

/** The module, loaded by webgpu-candidate.ts once navigator.gpu is set (a type import loads nothing). */
type WebgpuModule = typeof tfjsWebgpu;
type WebGPUBackend = InstanceType<WebgpuModule['WebGPUBackend']>;
type DataId = Parameters<WebGPUBackend['read']>[0];

/** Only as many GPU error messages as a person can read are kept; the rest are counted. */
const KEPT_ERROR_MESSAGES = 3;

/** GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST, what tfjs gives every tensor buffer. */
const TENSOR_BUFFER_USAGE = 0x0080 | 0x0004 | 0x0008;

export interface GpuErrorLog {
  /** Errors seen since the last check, first messages kept. */
  take(): { count: number; messages: string[] };
}

/** Collects the device's uncaptured errors (Dawn validation, out-of-memory, internal). */
export function listenForGpuErrors(device: GPUDevice): GpuErrorLog {
  let count = 0;
  let messages: string[] = [];
  const onError = (event: unknown): void => {
    count += 1;
    if (messages.length >= KEPT_ERROR_MESSAGES) return;
    const error: unknown = typeof event === 'object' && event !== null ? Reflect.get(event, 'error') : event;
    const message: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'message') : error;
    messages.push(String(message).trim().slice(0, 2000));
  };
  device.addEventListener('uncapturederror', onError);
  return {
    take() {
      const taken = { count, messages };
      count = 0;
      messages = [];
      return taken;
    },
  };
}

/** The error a read-back throws after the GPU reported `count` errors. */
export function gpuFailure({ count, messages }: { count: number; messages: string[] }): Error {
  const first = messages[0] ?? 'no message';
  const more =
    count > 1 ? ` (${count} GPU errors in all; the next: ${messages.slice(1).join(' | ') || 'none kept'})` : '';
  if (/out[ _-]of[ _-](device[ _-])?memory|OUT_OF_DEVICE_MEMORY|OutOfMemory/i.test(messages.join('\n'))) {
    return new UserError(
      'GPU_ERROR',
      `The GPU ran out of memory: ${first}${more}. Nothing from this work was kept. Use a smaller batch or ` +
        'volume size, turn on gradient checkpointing, or close other programs using the GPU.',
    );
  }
  return new BugError(
    `The GPU rejected work from the WebGPU backend, so its results were wrong and were not used: ${first}${more}`,
    { code: 'GPU_ERROR' },
  );
}

/** A WebGPUBackend (of the loaded tfjs-backend-webgpu module) with the changes described above. */
export function createWebgpuBackend(
  module: WebgpuModule,
  device: GPUDevice,
  adapterInfo: ConstructorParameters<WebgpuModule['WebGPUBackend']>[1],
): WebGPUBackend {
  const errors = listenForGpuErrors(device);
  hoistShaderDirectives(device);

  class EngineWebgpuBackend extends module.WebGPUBackend {
    override uploadToGPU(dataId: DataId): void {
      const data = this.tensorMap.get(dataId);
      const values = data.values as unknown;
      const typed =
        data.resource == null && (data.dtype === 'float32' || data.dtype === 'int32' || data.dtype === 'bool')
          ? asUploadArray(values, data.dtype)
          : null;
      if (!typed || typed.byteLength === 0) {
        super.uploadToGPU(dataId);
        return;
      }
      const buffer = this.bufferManager.acquireBuffer(typed.byteLength, TENSOR_BUFFER_USAGE);
      this.queue.writeBuffer(buffer, 0, typed.buffer, typed.byteOffset, typed.byteLength);
      data.values = null as unknown as typeof data.values; // as tfjs does once uploaded
      data.resource = buffer;
    }

    override async read(dataId: DataId): ReturnType<WebGPUBackend['read']> {
      const values = await super.read(dataId);
      throwIfGpuErrors(errors);
      return values;
    }
  }

  return new EngineWebgpuBackend(device, adapterInfo);
}

/** Throws the collected GPU errors, if any (also for callers that wait on the queue another way). */
export function throwIfGpuErrors(errors: GpuErrorLog): void {
  const taken = errors.take();
  if (taken.count > 0) throw gpuFailure(taken);
}

/** The values as the 32-bit array the shader reads (bool is stored as int32), or null when not uploadable here. */
function asUploadArray(values: unknown, dtype: 'float32' | 'int32' | 'bool'): Float32Array | Int32Array | null {
  if (dtype === 'float32') {
    if (values instanceof Float32Array) return values;
    return ArrayBuffer.isView(values) || Array.isArray(values) ? Float32Array.from(values as ArrayLike<number>) : null;
  }
  if (values instanceof Int32Array) return values;
  return ArrayBuffer.isView(values) || Array.isArray(values) ? Int32Array.from(values as ArrayLike<number>) : null;
}
