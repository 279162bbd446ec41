/**
 * Runs fused normalisation programs on the active WebGPU backend and wraps its output as a
 * tfjs Tensor of the given shape (a view of the program's flat output, no copy).
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { BugError } from '../../../../shared/errors';
import { tf, type Tensor } from '../../tf';
import {
  ColumnPartialsProgram,
  ColumnTotalProgram,
  planPartials,
  PLAIN_SUM,
  type ColumnFinish,
  type ColumnTerm,
  type NormShape,
  type Uniform,
} from './norm-program-base';

export function runNormProgram(
  program: WebGPUProgram & { uniformData(): Uniform[] },
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

/**
 * [cols]: the finished column sums of a term over the rows, in one dispatch up to
 * SINGLE_PASS_ROWS rows, else two (partials, total). Inputs are looked up by variable name.
 */
export function runColumnSum(
  shape: NormShape,
  term: ColumnTerm,
  finish: ColumnFinish | null,
  tensors: Readonly<Record<string, Tensor>>,
): Tensor {
  const inputsOf = (names: readonly string[]): Tensor[] =>
    names.map((name) => {
      const tensor = tensors[name];
      if (!tensor) throw new BugError(`The column sum ${term.key} has no input ${name}.`);
      return tensor;
    });
  const plan = planPartials(shape.rows, shape.cols);
  if (plan.chunks === 1) {
    const single = new ColumnPartialsProgram(shape, plan, term, finish ?? PLAIN_SUM);
    return runNormProgram(single, inputsOf(single.variableNames), [shape.cols]);
  }
  const partials = new ColumnPartialsProgram(shape, plan, term);
  const summed = runNormProgram(partials, inputsOf(partials.variableNames), partials.outputShape);
  const total = new ColumnTotalProgram(shape, plan.chunks, finish ?? PLAIN_SUM);
  return runNormProgram(total, [summed, ...inputsOf(total.variableNames.slice(1))], [shape.cols]);
}
