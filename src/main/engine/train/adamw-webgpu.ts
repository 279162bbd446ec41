/**
 * AdamW's update of one parameter in two WebGPU dispatches instead of about thirteen.
 *
 * The composite update (adamw.ts) runs one tfjs kernel per arithmetic step, each a dispatch, and
 * uploads its constants as scalar tensors; over a model's parameters the optimizer was 56% of the
 * dispatches of a tiny CtVlm training step (bench/gpu, tf.train.adam: 1,302 of 2,328). Here:
 *
 * 1. moments: [m | v] (both moments packed in one buffer of 2n) <- beta·[m | v] + (1-beta)·[g | g²],
 *    where g = gradientScale · the gradient given (clipping and loss scaling fold in here instead of
 *    costing a multiply dispatch per parameter; the product is the float32 one a separate multiply
 *    would make)
 * 2. parameter: p <- decay·p - (m'·lr/c1) / (sqrt(v'/c2) + eps)
 *
 * with the constants as uniforms computed in JS exactly as the composite computes its scalars, and
 * each arithmetic step in the same order, so both paths agree to float32 rounding.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type Tensor } from '../tf';

type WebGPUProgram = Parameters<WebGPUBackend['runWebGPUProgram']>[0];
type ProgramUniforms = NonNullable<Parameters<WebGPUBackend['runWebGPUProgram']>[3]>;

/** One update's constants, as the composite path computes them. */
export interface AdamWConstants {
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  /** 1 - lr·weightDecay where the parameter decays, else 1 */
  decayFactor: number;
  /** 1 - beta2^t */
  correction2: number;
  /** lr / (1 - beta1^t) */
  stepSize: number;
  epsilon: number;
  /** what the given gradient is multiplied by first (clipping, loss scaling); 1 for none */
  gradientScale: number;
}

const WORKGROUP_SIZE = 128;

/** A flat elementwise program over `outputSize` elements (tfjs folds grids over 65,535 itself). */
function flatProgram(
  outputSize: number,
  variableNames: string[],
  uniforms: string,
  shaderKey: string,
  body: string,
): WebGPUProgram {
  const program: WebGPUProgram = {
    variableNames,
    uniforms,
    outputShape: [outputSize],
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(outputSize / WORKGROUP_SIZE), 1, 1],
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    size: true,
    shaderKey,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
  return program;
}

/** [m | v] of n elements each, from the gradient g of n elements. */
function momentsProgram(n: number): WebGPUProgram {
  return flatProgram(
    2 * n,
    ['g', 'mv'],
    'n : i32, beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32, gradientScale : f32,',
    'ctvlm_adamw_moments',
    `let previous = mv[index];
          if (index < uniforms.n) {
            let grad = g[index] * uniforms.gradientScale;
            setOutputAtIndex(index, previous * uniforms.beta1 + grad * uniforms.oneMinusBeta1);
          } else {
            let grad = g[index - uniforms.n] * uniforms.gradientScale;
            setOutputAtIndex(index, previous * uniforms.beta2 + (grad * grad) * uniforms.oneMinusBeta2);
          }`,
  );
}

function parameterProgram(n: number): WebGPUProgram {
  return flatProgram(
    n,
    ['p', 'mv'],
    'n : i32, decayFactor : f32, correction2 : f32, stepSize : f32, epsilon : f32,',
    'ctvlm_adamw_parameter',
    `let denominator = sqrt(mv[index + uniforms.n] / uniforms.correction2) + uniforms.epsilon;
          let update = (mv[index] * uniforms.stepSize) / denominator;
          setOutputAtIndex(index, p[index] * uniforms.decayFactor - update);`,
  );
}

/**
 * The next [m | v] (flat, 2n) and parameter (flat, n) for parameter `p`, gradient `g` and packed
 * moments `mv`, on the current (webgpu) backend. New tensors; the caller assigns them.
 */
export function adamwUpdateOnWebgpu(
  p: Tensor,
  g: Tensor,
  mv: Tensor,
  constants: AdamWConstants,
): { moments: Tensor; parameter: Tensor } {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const engine = tf.engine();
  const n = p.size;
  // Flat views (reshapes share the data): rank-5 conv weights would make tfjs generate 5-D helpers.
  const [pFlat, gFlat, mvFlat] = [tf.reshape(p, [n]), tf.reshape(g, [n]), tf.reshape(mv, [2 * n])];
  const f32 = (value: number): ProgramUniforms[number] => ({ type: 'float32', data: [value] });
  const i32 = (value: number): ProgramUniforms[number] => ({ type: 'int32', data: [value] });
  const momentsInfo = backend.runWebGPUProgram(momentsProgram(n), [gFlat, mvFlat], 'float32', [
    i32(n),
    f32(constants.beta1),
    f32(constants.oneMinusBeta1),
    f32(constants.beta2),
    f32(constants.oneMinusBeta2),
    f32(constants.gradientScale),
  ]);
  const moments = engine.makeTensorFromTensorInfo(momentsInfo);
  const parameterInfo = backend.runWebGPUProgram(parameterProgram(n), [pFlat, moments], 'float32', [
    i32(n),
    f32(constants.decayFactor),
    f32(constants.correction2),
    f32(constants.stepSize),
    f32(constants.epsilon),
  ]);
  tf.dispose([pFlat, gFlat, mvFlat]);
  return { moments, parameter: engine.makeTensorFromTensorInfo(parameterInfo) };
}
