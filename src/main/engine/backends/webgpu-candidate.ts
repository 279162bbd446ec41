/**
 * WebGPU through Dawn for Node (the `webgpu` package) and tfjs-backend-webgpu. Dawn talks to a
 * Vulkan driver: the GPU vendor's, or Mesa's lavapipe (a CPU "adapter", fine for correctness tests,
 * slower than wasm for work, so it is never picked automatically).
 *
 * tfjs-backend-webgpu checks `navigator.gpu` when it is loaded and when a backend is built, so it
 * is set before the import. We register our own factory over the module's so we hold the GPUDevice
 * and can destroy it (the backend's dispose() does not), which lets the process exit.
 */
import type { GPU, GPUAdapter } from './webgpu-types';
import { tf } from '../tf';
import { messageOf, type BackendCandidate, type BackendDevice } from './backend-candidate';
import { createWebgpuBackend } from './webgpu-backend';
import { registerEngineWebgpuKernels } from './webgpu-kernels/register-engine-kernels';

const NO_ADAPTER =
  'Dawn found no WebGPU adapter (no Vulkan driver): install libvulkan1 and your GPU vendor driver with its Vulkan ICD ' +
  '(NVIDIA: the proprietary driver; for a CPU adapter used in tests: mesa-vulkan-drivers >= 25, e.g. from bookworm-backports)';

const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

export function webgpuCandidate(): BackendCandidate {
  return {
    name: 'webgpu',
    async load() {
      let create: (options: string[]) => GPU;
      let globals: object;
      try {
        ({ create, globals } = await import('webgpu'));
      } catch (error) {
        throw new Error(`the webgpu package (Dawn for Node) could not be loaded: ${messageOf(error)}`);
      }
      const gpu = create([]);
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error(NO_ADAPTER);
      const device = await adapter.requestDevice(deviceDescriptor(adapter));
      const described = describeAdapter(adapter);
      const restoreNavigator = installNavigator(gpu);
      const restoreGlobals = installGlobals(globals);
      let disposed = false;
      const dispose = (): Promise<void> => {
        if (disposed) return Promise.resolve();
        disposed = true;
        if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
        device.destroy();
        restoreNavigator();
        restoreGlobals();
        return Promise.resolve();
      };
      try {
        const module = await import('@tensorflow/tfjs-backend-webgpu');
        if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
        described.details['conv3dKernels'] = registerEngineWebgpuKernels(described.details['software'] === true);
        // Priority 0: never picked by tfjs on its own; selection sets the backend explicitly.
        tf.registerBackend('webgpu', () => createWebgpuBackend(module, device, adapter.info), 0);
        if (!(await tf.setBackend('webgpu'))) throw new Error('the tfjs webgpu backend failed to initialise');
      } catch (error) {
        await dispose();
        throw error;
      }
      return {
        device: described,
        ...(described.details['software'] === true
          ? {
              notPreferred:
                'works, but on a software (CPU) Vulkan adapter: measured slower than the cpu backend for conv3d, so only used when forced (--backend webgpu)',
            }
          : {}),
        dispose,
      };
    },
  };
}

/** The optional features the engine asks for when the adapter has them. */
const WANTED_FEATURES = ['timestamp-query', 'shader-f16'] as const;

/**
 * What tfjs-backend-webgpu itself asks for (the adapter's own limits, timestamp queries), and
 * shader-f16 for mixed precision (engine/backends/mixed-precision.ts).
 */
function deviceDescriptor(adapter: GPUAdapter): Parameters<GPUAdapter['requestDevice']>[0] {
  const { limits } = adapter;
  return {
    requiredFeatures: WANTED_FEATURES.filter((feature) => adapter.features.has(feature)),
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  };
}

export function describeAdapter(adapter: GPUAdapter): BackendDevice {
  const { vendor, architecture, device, description } = adapter.info;
  const software = architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(`${device} ${description}`);
  const details: Record<string, string | number | boolean> = { vendor, architecture, device, description, software };
  for (const limit of LIMITS) details[limit] = adapter.limits[limit];
  details['shaderF16'] = adapter.features.has('shader-f16');
  const name = [vendor, architecture].filter((part) => part !== '').join(' ') || 'unknown adapter';
  return {
    description: `${name} (${description || device || 'no description'})${software ? ', software' : ''}`,
    details,
  };
}

/** GPUBufferUsage, GPUMapMode, ... which the backend reads as globals; only those missing are added. */
function installGlobals(globals: object): () => void {
  const added = Object.keys(globals).filter((name) => !Reflect.has(globalThis, name));
  for (const name of added) {
    Reflect.defineProperty(globalThis, name, { value: Reflect.get(globals, name), configurable: true, writable: true });
  }
  return () => {
    for (const name of added) Reflect.deleteProperty(globalThis, name);
  };
}

/** Sets globalThis.navigator.gpu (Node 20 has no navigator; Node 21+ has one without gpu); returns the undo. */
function installNavigator(gpu: GPU): () => void {
  const previous = Reflect.getOwnPropertyDescriptor(globalThis, 'navigator');
  const base: unknown = Reflect.get(globalThis, 'navigator');
  const navigator: object = Object.create(typeof base === 'object' && base !== null ? base : null) as object;
  Reflect.defineProperty(navigator, 'gpu', { value: gpu, enumerable: true });
  Reflect.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
  return () => {
    if (previous) Reflect.defineProperty(globalThis, 'navigator', previous);
    else Reflect.deleteProperty(globalThis, 'navigator');
  };
}
