/**
 * Test helpers for the fused LoRA path: the output and input/factor gradients of a layer, relative
 * errors read back asynchronously (WebGPU has no dataSync in Node), and a record of the WebGPU
 * programs a piece of work dispatched.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type Tensor, type Variable } from '../../../../src/main/engine/tf';

export interface OutputAndGradients {
  y: Tensor;
  /** In the order of the variables given. */
  grads: Tensor[];
}

/** y = forward() and the gradients of Σ sin(i) · y_i w.r.t. `variables` (flattened: no 5-D binary ops on webgpu). */
export function outputAndGradients(forward: () => Tensor, variables: Variable[]): OutputAndGradients {
  const y = forward();
  const weights = tf.tidy(() => tf.sin(tf.range(0, y.size)));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(weights, tf.reshape(forward(), [-1]))), variables);
  value.dispose();
  weights.dispose();
  return {
    y,
    grads: variables.map((v) => {
      const grad = grads[v.name];
      if (!grad) throw new Error(`no gradient for ${v.name}`);
      return grad;
    }),
  };
}

/** max |a - b| / max |b|. */
export async function relativeError(a: Tensor, b: Tensor): Promise<number> {
  // Flattened: tfjs-backend-webgpu cannot run 5-D binary ops (its WGSL \`vec5\`).
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.reshape(a, [-1]), tf.reshape(b, [-1])))));
  const scale = tf.tidy(() => tf.max(tf.abs(tf.reshape(b, [-1]))));
  const d = (await diff.data())[0] ?? Number.NaN;
  const s = (await scale.data())[0] ?? Number.NaN;
  tf.dispose([diff, scale]);
  return d / Math.max(s, 1e-12);
}

/** Runs `body` recording the shader key of every program it dispatches on the webgpu backend. */
export function recordPrograms<T>(body: () => T): { result: T; programs: string[] } {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const programs: string[] = [];
  const original = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (program, ...rest) => {
    programs.push(program.shaderKey);
    return original(program, ...rest);
  };
  try {
    return { result: body(), programs };
  } finally {
    backend.runWebGPUProgram = original;
    Reflect.deleteProperty(backend, 'runWebGPUProgram');
  }
}

/** Seeded random values for a LoRA factor (B starts at zero, which would hide B's terms). */
export function randomise(variable: Variable, seed: number): void {
  const value = tf.randomNormal(variable.shape, 0, 0.3, 'float32', seed);
  variable.assign(value);
  value.dispose();
}
