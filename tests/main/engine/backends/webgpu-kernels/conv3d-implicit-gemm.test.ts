/**
 * The implicit-GEMM Conv3D forward kernel (src/main/engine/backends/webgpu-kernels) against the tfjs cpu backend on the
 * fixed and seeded random configurations of conv3d-cases.ts (batch 1-2, Cin/Cout in 1, 3, 4, 8,
 * 17, 32 and one 40/33, kernels 1x1x1 to 7x7x7 and anisotropic, strides 1, 2 and mixed, pads
 * 'valid', 'same' and numbers, non-cubic volumes, dilations), on WebGPU (Mesa lavapipe in CI) with
 * the GEMM kernels registered, asserting the GEMM program ran and no tensor leaked.
 */
import { loadWebgpuForTests } from '../../../../helpers/webgpu-backend';
import { describeDirectionAgainstCpu } from './conv3d-direction-suite';

describeDirectionAgainstCpu(
  'implicit-GEMM Conv3D forward on webgpu vs the cpu backend',
  'forward',
  await loadWebgpuForTests('conv3d-implicit-gemm.test'),
);
