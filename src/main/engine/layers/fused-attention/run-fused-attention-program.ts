/**
 * Runs FusedAttentionProgram on the active WebGPU backend and wraps its output as a tfjs Tensor.
 * Kept apart from the op so the backend-specific calls (runWebGPUProgram, makeTensorFromTensorInfo)
 * live in one place; the type-only import keeps tfjs-backend-webgpu out of cpu/wasm bundles.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { BugError } from '../../../../shared/errors';
import { tf, type Tensor } from '../../tf';
import type { AttentionInputs } from './composite-attention';
import {
  FusedAttentionProgram,
  MAX_HEAD_DIM,
  programInputNames,
  type FusedAttentionMode,
} from './fused-attention-program';

/** q, k: [B, H, Tq|Tk, dh]; v [B, H, Tk, dh] ('output', 'scoreGradient'); dy, o [B, H, Tq, dh] ('scoreGradient'). */
export interface ProgramTensors {
  q: Tensor;
  k: Tensor;
  v?: Tensor;
  dy?: Tensor;
  o?: Tensor;
}

/** Whether the WGSL program can run these inputs on the active backend. */
export function fusedProgramApplies(q: Tensor): boolean {
  const headDim = q.shape[3] ?? 0;
  return tf.getBackend() === 'webgpu' && q.dtype === 'float32' && headDim >= 1 && headDim <= MAX_HEAD_DIM;
}

/**
 * Mask [B, Tk] and bias [H, Tq, Tk] or [B, H, Tq, Tk] come from `inputs`; all float32 but the mask.
 * outputScale multiplies the 'scoreGradient' output.
 */
export function runFusedAttentionProgram(
  mode: FusedAttentionMode,
  tensors: ProgramTensors,
  inputs: AttentionInputs,
  outputScale = 1,
): Tensor {
  const [batch = 0, heads = 0, queryTokens = 0, headDim = 0] = tensors.q.shape;
  const keyTokens = tensors.k.shape[2] ?? 0;
  const flags = {
    mode,
    hasMask: inputs.mask !== undefined,
    biasRank: inputs.bias ? (inputs.bias.shape.length as 3 | 4) : (0 as const),
  };
  const program = new FusedAttentionProgram({ batch, heads, queryTokens, keyTokens, headDim }, flags);
  const named: Record<string, Tensor | undefined> = {
    ...tensors,
    keyMask: inputs.mask,
    scoreBias: inputs.bias,
  };
  const programInputs = programInputNames(flags).map((name) => {
    const tensor = named[name];
    if (!tensor) throw new BugError(`Fused attention (${mode}) needs its '${name}' input.`);
    return tensor;
  });
  const backend = tf.backend() as unknown as WebGPUBackend;
  const info = backend.runWebGPUProgram(program, programInputs, 'float32', [
    // One entry per f32 field: tfjs aligns a two-value entry as a vec2.
    { type: 'float32', data: [inputs.scale] },
    { type: 'float32', data: [outputScale] },
  ]);
  return tf.engine().makeTensorFromTensorInfo(info);
}
