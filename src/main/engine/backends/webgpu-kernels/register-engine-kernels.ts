/**
 * Registers the engine's own WebGPU kernels over tfjs-backend-webgpu's, when the webgpu backend is
 * loaded: the implicit-GEMM Conv3D forward and both gradients (conv3d-kernels.ts) in place of
 * tfjs's one-thread-per-output programs. Calling it again does nothing.
 */
import { registerImplicitGemmConv3d } from './conv3d-kernels';

export function registerEngineWebgpuKernels(): void {
  registerImplicitGemmConv3d();
}
