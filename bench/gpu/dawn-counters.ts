/**
 * Counts what tfjs-backend-webgpu asks of Dawn, by wrapping the methods on the prototypes of the
 * `webgpu` package's classes (GPUDevice, GPUQueue, GPUBuffer, GPUCommandEncoder,
 * GPUComputePassEncoder): every device and object the backend uses goes through them, so the
 * engine needs no hook. Counts are cumulative; take a snapshot before and after the steps you time.
 * Also tracks the bytes of GPU buffers alive (created and not yet destroyed) and their peak.
 */

export interface DawnCounts {
  /** compute dispatches (dispatchWorkgroups) */
  dispatches: number;
  computePasses: number;
  commandEncoders: number;
  /** queue.submit calls */
  submits: number;
  /** command buffers submitted */
  commandBuffers: number;
  /** queue.writeBuffer calls (uploads: uniforms, tensor data) */
  writeBuffers: number;
  writeBufferBytes: number;
  /** device.createBuffer calls, and the bytes they asked for */
  buffersCreated: number;
  bufferBytesCreated: number;
  buffersDestroyed: number;
  /** GPUBuffer.mapAsync calls: read-backs to the CPU (data(), timestamp queries) */
  mapAsyncs: number;
  copyBufferToBuffer: number;
  bindGroups: number;
  pipelines: number;
  shaderModules: number;
}

const ZERO: DawnCounts = {
  dispatches: 0,
  computePasses: 0,
  commandEncoders: 0,
  submits: 0,
  commandBuffers: 0,
  writeBuffers: 0,
  writeBufferBytes: 0,
  buffersCreated: 0,
  bufferBytesCreated: 0,
  buffersDestroyed: 0,
  mapAsyncs: 0,
  copyBufferToBuffer: 0,
  bindGroups: 0,
  pipelines: 0,
  shaderModules: 0,
};

const counts: DawnCounts = { ...ZERO };
const bufferSizes = new WeakMap<object, number>();
let liveBytes = 0;
let peakLiveBytes = 0;
let installed = false;

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Wraps prototype[name] so `before` sees each call's receiver and arguments, and `after` its result. */
function wrap(
  prototype: unknown,
  name: string,
  before: (self: unknown, args: unknown[]) => void,
  after?: (self: unknown, result: unknown, args: unknown[]) => void,
): boolean {
  if (typeof prototype !== 'object' || prototype === null) return false;
  const original: unknown = Reflect.get(prototype, name);
  if (typeof original !== 'function') return false;
  const method = original as Method;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    before(this, args);
    const result = method.apply(this, args);
    after?.(this, result, args);
    return result;
  };
  return Reflect.set(prototype, name, wrapped);
}

function prototypeOf(globals: object, className: string): unknown {
  const cls: unknown = Reflect.get(globals, className);
  return typeof cls === 'function' ? (cls as { prototype: unknown }).prototype : undefined;
}

function sizeOf(descriptor: unknown): number {
  const size: unknown = typeof descriptor === 'object' && descriptor !== null ? Reflect.get(descriptor, 'size') : 0;
  return typeof size === 'number' ? size : 0;
}

function byteLengthOf(data: unknown, size: unknown): number {
  if (typeof size === 'number') return size;
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

/** Installs the wrappers once, on the `globals` of the `webgpu` package. Returns the methods wrapped. */
export function installDawnCounters(globals: object): string[] {
  if (installed) return [];
  installed = true;
  const device = prototypeOf(globals, 'GPUDevice');
  const queue = prototypeOf(globals, 'GPUQueue');
  const buffer = prototypeOf(globals, 'GPUBuffer');
  const encoder = prototypeOf(globals, 'GPUCommandEncoder');
  const pass = prototypeOf(globals, 'GPUComputePassEncoder');
  const wrapped: string[] = [];
  const add = (ok: boolean, name: string): void => {
    if (ok) wrapped.push(name);
  };
  add(
    wrap(
      device,
      'createBuffer',
      (_self, args) => {
        counts.buffersCreated += 1;
        counts.bufferBytesCreated += sizeOf(args[0]);
      },
      (_self, result, args) => {
        if (typeof result !== 'object' || result === null) return;
        const size = sizeOf(args[0]);
        bufferSizes.set(result, size);
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
      },
    ),
    'GPUDevice.createBuffer',
  );
  add(
    wrap(device, 'createBindGroup', () => (counts.bindGroups += 1)),
    'GPUDevice.createBindGroup',
  );
  add(
    wrap(device, 'createComputePipeline', () => (counts.pipelines += 1)),
    'GPUDevice.createComputePipeline',
  );
  add(
    wrap(device, 'createComputePipelineAsync', () => (counts.pipelines += 1)),
    'GPUDevice.createComputePipelineAsync',
  );
  add(
    wrap(device, 'createShaderModule', () => (counts.shaderModules += 1)),
    'GPUDevice.createShaderModule',
  );
  add(
    wrap(device, 'createCommandEncoder', () => (counts.commandEncoders += 1)),
    'GPUDevice.createCommandEncoder',
  );
  add(
    wrap(queue, 'submit', (_self, args) => {
      counts.submits += 1;
      counts.commandBuffers += Array.isArray(args[0]) ? args[0].length : 0;
    }),
    'GPUQueue.submit',
  );
  add(
    wrap(queue, 'writeBuffer', (_self, args) => {
      counts.writeBuffers += 1;
      counts.writeBufferBytes += byteLengthOf(args[2], args[4]);
    }),
    'GPUQueue.writeBuffer',
  );
  add(
    wrap(buffer, 'mapAsync', () => (counts.mapAsyncs += 1)),
    'GPUBuffer.mapAsync',
  );
  add(
    wrap(buffer, 'destroy', (self) => {
      if (typeof self !== 'object' || self === null) return;
      const size = bufferSizes.get(self);
      if (size === undefined) return;
      counts.buffersDestroyed += 1;
      bufferSizes.delete(self);
      liveBytes -= size;
    }),
    'GPUBuffer.destroy',
  );
  add(
    wrap(encoder, 'beginComputePass', () => (counts.computePasses += 1)),
    'GPUCommandEncoder.beginComputePass',
  );
  add(
    wrap(encoder, 'copyBufferToBuffer', () => (counts.copyBufferToBuffer += 1)),
    'GPUCommandEncoder.copyBufferToBuffer',
  );
  add(
    wrap(pass, 'dispatchWorkgroups', () => (counts.dispatches += 1)),
    'GPUComputePassEncoder.dispatchWorkgroups',
  );
  return wrapped;
}

export function dawnSnapshot(): DawnCounts {
  return { ...counts };
}

/** Per-step averages between two snapshots. */
export function perStep(before: DawnCounts, after: DawnCounts, steps: number): DawnCounts {
  const out = { ...ZERO };
  for (const key of Object.keys(ZERO) as Array<keyof DawnCounts>) out[key] = (after[key] - before[key]) / steps;
  return out;
}

/** Bytes of Dawn buffers alive now, and the peak since the last reset. */
export function dawnBufferBytes(): { live: number; peak: number } {
  return { live: liveBytes, peak: peakLiveBytes };
}

export function resetDawnPeak(): void {
  peakLiveBytes = liveBytes;
}
