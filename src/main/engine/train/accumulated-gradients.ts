/**
 * The gradients of one optimizer step over several micro-batches (gradient accumulation): each
 * micro-batch's loss is a mean over its pairs, and the step's loss and gradients are the
 * micro-batches' averaged with weights proportional to their sizes, as one big batch's mean would
 * weigh them. (InfoNCE's negatives stay within a micro-batch, as in every accumulating CLIP
 * trainer without a feature cache.) Any non-finite micro-batch loss stops the step before anything
 * is applied. The global gradient norm can be clipped.
 */
import { UserError } from '../../../shared/errors';
import { tf, type Tensor, type Variable } from '../tf';

export interface StepGradients {
  loss: number;
  /** By parameter name; the caller disposes them (disposeGradients). */
  gradients: Map<string, Tensor>;
  /** Global L2 norm before clipping. */
  norm: number;
}

export interface MicroBatch {
  size: number;
  /** The micro-batch's mean loss, built from the trainable variables. */
  loss: () => tf.Scalar;
  /** Frees the micro-batch's inputs (the caller calls it). */
  dispose?: () => void;
}

export async function accumulatedGradients(
  parameters: ReadonlyArray<{ name: string; variable: Variable }>,
  microBatches: readonly MicroBatch[],
  clipNorm: number | null,
): Promise<StepGradients> {
  const total = microBatches.reduce((sum, batch) => sum + batch.size, 0);
  const variables = parameters.map(({ variable }) => variable);
  const byVariable = new Map(parameters.map(({ name, variable }) => [variable.name, name]));
  const sums = new Map<string, Tensor>();
  let loss = 0;
  try {
    for (const batch of microBatches) {
      const { value, grads } = tf.variableGrads(batch.loss, variables);
      try {
        const batchLoss = (await value.data())[0] ?? NaN;
        if (!Number.isFinite(batchLoss)) {
          throw new UserError(
            'TRAINING_DIVERGED',
            `The training run diverged: the contrastive loss is ${batchLoss}. The weights were left as they were before this step; lower the learning rate, or check the temperature (a divide-parametrised τ at or near 0 gives infinite logits).`,
          );
        }
        const weight = batch.size / total;
        loss += batchLoss * weight;
        for (const [variableName, gradient] of Object.entries(grads)) {
          const name = byVariable.get(variableName);
          if (name === undefined) continue;
          const previous = sums.get(name);
          const next = tf.tidy(() =>
            previous ? tf.add(previous, tf.mul(gradient, weight)) : tf.mul(gradient, weight),
          );
          previous?.dispose();
          sums.set(name, next);
        }
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    const squared = tf.tidy(() => tf.addN([...sums.values()].map((g) => tf.sum(tf.square(g)))));
    const norm = Math.sqrt((await squared.data())[0] ?? NaN);
    squared.dispose();
    if (!Number.isFinite(norm)) {
      throw new UserError(
        'TRAINING_DIVERGED',
        `The training run diverged: the gradient norm is ${norm}. The weights were left as they were before this step; lower the learning rate.`,
      );
    }
    if (clipNorm !== null && norm > clipNorm) {
      const factor = clipNorm / norm;
      for (const [name, gradient] of sums) {
        sums.set(
          name,
          tf.tidy(() => tf.mul(gradient, factor)),
        );
        gradient.dispose();
      }
    }
    return { loss, gradients: sums, norm };
  } catch (error) {
    disposeGradients(sums);
    throw error;
  }
}

export function disposeGradients(gradients: Map<string, Tensor>): void {
  for (const gradient of gradients.values()) gradient.dispose();
  gradients.clear();
}
