/**
 * What the layers' one-thread-per-element WebGPU programs share (fused-norm's BatchNorm programs,
 * fused-gelu): a flat output, 256-thread workgroups, and a 1-D grid folded into x and y so no
 * dimension exceeds 65,535 workgroups (the shader recovers the flat index with FLAT_INDEX).
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { foldWorkgroups } from '../backends/webgpu-kernels/conv3d-gemm-shader';

export const FLAT_THREADS = 256;

type ProgramUniforms = NonNullable<Parameters<WebGPUBackend['runWebGPUProgram']>[3]>;

/** The linear workgroup index of a folded grid. */
export const WORKGROUP_INDEX = 'i32(workgroupId.y * numWorkgroups.x + workgroupId.x)';
/** The flat thread index of a folded grid of FLAT_THREADS-wide workgroups. */
export const FLAT_INDEX = `(${WORKGROUP_INDEX} * ${FLAT_THREADS} + i32(localIndex))`;

export abstract class FlatProgram implements WebGPUProgram {
  outputShape: number[];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [FLAT_THREADS, 1, 1];
  abstract uniforms: string;
  abstract variableNames: string[];
  abstract shaderKey: string;

  constructor(elements: number) {
    this.outputShape = [elements];
    this.dispatch = foldWorkgroups(Math.ceil(elements / FLAT_THREADS));
  }

  abstract uniformData(): ProgramUniforms;
  abstract getUserCode(): string;
}
