/**
 * Runs the fused LoRA programs on the active WebGPU backend and wraps their outputs as tfjs
 * Tensors. Kept apart so the backend-specific calls (runWebGPUProgram, makeTensorFromTensorInfo)
 * live in one place; the type-only import keeps tfjs-backend-webgpu out of cpu/wasm bundles.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type Tensor } from '../../tf';
import {
  LoraMatMulProgram,
  LowRankProjectionProgram,
  MAX_FUSED_RANK,
  programUniforms,
  type LoraMatMulFlags,
} from './lora-matmul-program';

/** Whether the WGSL programs can run a LoRA of this rank on the active backend. */
export function loraProgramsApply(rank: number): boolean {
  return tf.getBackend() === 'webgpu' && Number.isInteger(rank) && rank >= 1 && rank <= MAX_FUSED_RANK;
}

export interface LoraMatMulOperands {
  /** [M, K] */
  x: Tensor;
  /** [N, K] when flags.weightTransposed, else [K, N]. */
  weight: Tensor;
  /** [N] or null. */
  bias: Tensor | null;
  /** [r, K] when flags.projectionTransposed, else [K, r]. */
  p: Tensor;
  /** [N, r] when flags.upTransposed, else [r, N]. */
  q: Tensor;
  scale: number;
}

/** y [M, N] = x·Wop + bias + scale · (x·Pop)·Qop, in one dispatch. */
export function runLoraMatMul(operands: LoraMatMulOperands, flags: Omit<LoraMatMulFlags, 'hasBias'>): Tensor {
  const { x, weight, bias, p, q, scale } = operands;
  const [rows = 0, inner = 0] = x.shape;
  const cols = flags.weightTransposed ? (weight.shape[0] ?? 0) : (weight.shape[1] ?? 0);
  const rank = flags.upTransposed ? (q.shape[1] ?? 0) : (q.shape[0] ?? 0);
  const program = new LoraMatMulProgram({ rows, inner, cols, rank }, { ...flags, hasBias: bias !== null });
  const inputs = [x, weight];
  if (bias) inputs.push(bias);
  inputs.push(p, q);
  return run(program, inputs, scale, rank);
}

/** out [M, r] = scale · x·Pop, with P stored [r, K] (transposed) or [K, r]. */
export function runLowRankProjection(x: Tensor, p: Tensor, transposed: boolean, scale: number): Tensor {
  const [rows = 0, inner = 0] = x.shape;
  const rank = transposed ? (p.shape[0] ?? 0) : (p.shape[1] ?? 0);
  return run(new LowRankProjectionProgram({ rows, inner, rank }, transposed), [x, p], scale, rank);
}

function run(
  program: LoraMatMulProgram | LowRankProjectionProgram,
  inputs: Tensor[],
  scale: number,
  rank: number,
): Tensor {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const info = backend.runWebGPUProgram(program, inputs, 'float32', programUniforms(scale, rank));
  return tf.engine().makeTensorFromTensorInfo(info);
}
