/**
 * The finished column sums a normalisation's parameter gradient is made of
 * (norm-program-base.ts), in one or two dispatches.
 */
import { BugError } from '../../../../shared/errors';
import type { Tensor } from '../../tf';
import { runFusedProgram } from '../run-fused-program';
import {
  ColumnPartialsProgram,
  ColumnTotalProgram,
  planPartials,
  PLAIN_SUM,
  type ColumnFinish,
  type ColumnTerm,
  type NormShape,
} from './norm-program-base';

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
    return runFusedProgram(single, inputsOf(single.variableNames), [shape.cols]);
  }
  const partials = new ColumnPartialsProgram(shape, plan, term);
  const summed = runFusedProgram(partials, inputsOf(partials.variableNames), partials.outputShape);
  const total = new ColumnTotalProgram(shape, plan.chunks, finish ?? PLAIN_SUM);
  return runFusedProgram(total, [summed, ...inputsOf(total.variableNames.slice(1))], [shape.cols]);
}
