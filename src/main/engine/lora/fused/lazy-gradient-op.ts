/**
 * An op whose backward computes only the input gradients the tape asks for. tf.customGrad runs
 * one gradFunc that must return every input's gradient, so an op whose input x needs no gradient
 * (the first LoRA layer after frozen layers: HCC-Merlin's layer1.0 conv1 and downsample, a text
 * encoder's first q/k/v) would still pay dx = dy·W, a matmul as large as the forward, which the
 * unfused layers never compute (tfjs prunes it). This goes one level below customGrad, to the
 * engine call customGrad itself makes (Engine.runKernelFunc with a backwardsFunc), and returns one
 * function per input; the tape calls only those on a path to what is differentiated.
 */
import { BugError } from '../../../../shared/errors';
import { tf, type Tensor } from '../../tf';

type Save = (tensors: Tensor[]) => void;

/** The part of tfjs-core's Engine that customGrad uses (private in its typings, stable in 4.x). */
interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: Save) => Tensor;
    backwardsFunc: (dy: Tensor, saved: Tensor[]) => Record<string, () => Tensor>;
    inputs: Record<string, Tensor>;
  }): Tensor;
}

export interface LazyGradientOp {
  /** The value; call save(tensors) for what the gradients need (they get them back as `saved`). */
  forward: (save: Save) => Tensor;
  /** One function per input, in input order, each computing that input's gradient. */
  gradients: (dy: Tensor, saved: Tensor[]) => Array<() => Tensor>;
}

export function runLazyGradientOp(inputs: Tensor[], op: LazyGradientOp): Tensor {
  const engine = tf.engine() as unknown as Partial<KernelFuncEngine>;
  if (typeof engine.runKernelFunc !== 'function') {
    throw new BugError('This tfjs-core has no Engine.runKernelFunc, which the fused LoRA op needs.');
  }
  const inputMap: Record<string, Tensor> = {};
  inputs.forEach((input, i) => {
    inputMap[i] = input;
  });
  return engine.runKernelFunc({
    forwardFunc: (_backend, save) => op.forward(save),
    backwardsFunc: (dy, saved) => {
      const thunks = op.gradients(dy, saved);
      if (thunks.length !== inputs.length) throw new BugError('A lazy-gradient op needs one gradient per input.');
      return Object.fromEntries(thunks.map((thunk, i) => [String(i), thunk]));
    },
    inputs: inputMap,
  });
}
