/**
 * Mixed precision for a training run: f16 arithmetic inside the engine's implicit-GEMM Conv3D
 * kernels where the GPU has WebGPU's shader-f16 feature (kernel-precision.ts), with dynamic loss
 * scaling in the trainer (train/loss-scaler.ts). Tensors stay float32 in memory: tfjs-backend-webgpu
 * has no float16 dtype, so this buys arithmetic and workgroup memory, not tensor memory (gradient
 * checkpointing is the memory lever).
 *
 * Everywhere else (cpu, wasm, tensorflow, a GPU without shader-f16, a software adapter where tfjs's
 * own Conv3D programs run) the run computes in float32; the loss scaling still runs and, with a
 * power-of-two scale, changes no float32 gradient.
 */
import { tf } from '../tf';
import { isImplicitGemmConv3dRegistered } from './webgpu-kernels/conv3d-kernels';
import { setKernelPrecision } from './webgpu-kernels/kernel-precision';

export interface MixedPrecisionChoice {
  /** Whether any kernel now computes in f16. */
  f16Kernels: boolean;
  /** What runs in which precision, for the run's log. */
  description: string;
}

/** Turns f16 kernels on where the current backend supports them; says what it did. */
export function enableMixedPrecision(): MixedPrecisionChoice {
  const backend = tf.getBackend();
  const float32 = (why: string): MixedPrecisionChoice => {
    setKernelPrecision('float32');
    return { f16Kernels: false, description: `mixed precision: float32 arithmetic (${why}), with loss scaling` };
  };
  if (backend !== 'webgpu') return float32(`the ${backend} backend has no f16 kernels`);
  if (!deviceHasShaderF16()) return float32('this GPU lacks WebGPU shader-f16');
  if (!isImplicitGemmConv3dRegistered()) {
    return float32("tfjs's own Conv3D programs run on this adapter (CTVLM_WEBGPU_CONV3D=implicit-gemm enables f16)");
  }
  setKernelPrecision('f16');
  return {
    f16Kernels: true,
    description: 'mixed precision: f16 arithmetic in the Conv3D kernels (float32 tensors), with dynamic loss scaling',
  };
}

/** Back to float32 kernels (the default). */
export function disableMixedPrecision(): void {
  setKernelPrecision('float32');
}

function deviceHasShaderF16(): boolean {
  const backend: unknown = tf.findBackend('webgpu');
  const device: unknown = typeof backend === 'object' && backend !== null ? Reflect.get(backend, 'device') : null;
  const features: unknown = typeof device === 'object' && device !== null ? Reflect.get(device, 'features') : null;
  const has: unknown = typeof features === 'object' && features !== null ? Reflect.get(features, 'has') : null;
  return typeof has === 'function' && (has as (name: string) => boolean).call(features, 'shader-f16') === true;
}
