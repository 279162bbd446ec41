/**
 * Chooses and registers the engine's own WebGPU kernels when the webgpu backend is loaded.
 *
 * Conv3D and both its gradients: the implicit-GEMM programs (conv3d-kernels.ts) on a hardware
 * adapter, tfjs's one-thread-per-output programs on a software one. Measured on Mesa lavapipe (a
 * CPU driver, where workgroup memory is ordinary memory and barriers are costly), tfjs's programs
 * are faster at the small shapes such an adapter is used for: a tiny HCC-Merlin PEFT step took
 * 133 ms with them and 255 ms with the GEMM ones. Tiled GEMM is the design for GPUs, whose timing
 * is still to be taken (bench/gpu/conv3d-kernels.ts compares both on any adapter).
 * CTVLM_WEBGPU_CONV3D=implicit-gemm|tfjs overrides the choice.
 */
import { UserError } from '../../../../shared/errors';
import { registerImplicitGemmConv3d, restoreOriginalConv3d } from './conv3d-kernels';

export const CONV3D_KERNEL_CHOICES = ['implicit-gemm', 'tfjs'] as const;
export type Conv3dKernelChoice = (typeof CONV3D_KERNEL_CHOICES)[number];

/** The Conv3D kernels for an adapter: the override if given, else GEMM on hardware, tfjs's on software. */
export function chooseConv3dKernels(software: boolean, override: string | undefined): Conv3dKernelChoice {
  if (override === undefined || override === '') return software ? 'tfjs' : 'implicit-gemm';
  if ((CONV3D_KERNEL_CHOICES as readonly string[]).includes(override)) return override as Conv3dKernelChoice;
  throw new UserError(
    'INVALID_INPUT',
    `CTVLM_WEBGPU_CONV3D is "${override}"; use one of ${CONV3D_KERNEL_CHOICES.join(', ')} (or leave it unset).`,
  );
}

/** Registers the chosen kernels (and puts tfjs's back when they are chosen); returns the choice. */
export function registerEngineWebgpuKernels(software: boolean): Conv3dKernelChoice {
  const choice = chooseConv3dKernels(software, process.env['CTVLM_WEBGPU_CONV3D']);
  if (choice === 'implicit-gemm') registerImplicitGemmConv3d();
  else restoreOriginalConv3d();
  return choice;
}
