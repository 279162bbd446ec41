/**
 * The implicit-GEMM Conv3DBackpropFilterV2 kernel (src/main/engine/backends/webgpu-kernels) against the tfjs cpu backend on the
 * fixed and seeded random configurations of conv3d-cases.ts (batch 1-2, Cin/Cout in 1, 3, 4, 8,
 * 17, 32 and one 40/33, kernels 1x1x1 to 7x7x7 and anisotropic, strides 1, 2 and mixed, pads
 * 'valid', 'same' and numbers, non-cubic volumes), on WebGPU (Mesa lavapipe in CI) with
 * the GEMM kernels registered, asserting the GEMM program ran and no tensor leaked.
 */
import { loadWebgpuForTests } from '../../../../helpers/webgpu-backend';
import { describeDirectionAgainstCpu } from './conv3d-direction-suite';

describeDirectionAgainstCpu(
  'implicit-GEMM Conv3DBackpropFilterV2 on webgpu vs the cpu backend',
  'gradFilter',
  await loadWebgpuForTests('conv3d-implicit-gemm-grad-filter.test'),
);
