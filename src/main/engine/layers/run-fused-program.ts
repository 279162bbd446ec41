/**
 * Runs one of the layers' fused WebGPU programs (normalisation, GELU) on the active backend and
 * wraps its output as a tfjs Tensor of the given shape (a view of the program's flat output, no copy).
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type Tensor } from '../tf';

type ProgramUniforms = NonNullable<Parameters<WebGPUBackend['runWebGPUProgram']>[3]>;

export function runFusedProgram(
  program: WebGPUProgram & { uniformData(): ProgramUniforms },
  inputs: Tensor[],
  shape: readonly number[],
): Tensor {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const info = backend.runWebGPUProgram(program, inputs, 'float32', program.uniformData());
  return tf.engine().makeTensorFromTensorInfo({ dataId: info.dataId, shape: [...shape], dtype: 'float32' });
}

/** A 1-D view of the same data (no copy), so the shaders index flat arrays. */
export function flat(t: Tensor): Tensor {
  return t.rank === 1 ? t : tf.reshape(t, [t.size]);
}
