/**
 * The gradients of one optimizer step over several micro-batches (gradient accumulation): each
 * micro-batch's loss is a mean over its pairs, and the step's loss and gradients are the
 * micro-batches' averaged with weights proportional to their sizes, as one big batch's mean would
 * weigh them. (InfoNCE's negatives stay within a micro-batch, as in every accumulating CLIP
 * trainer without a feature cache.) Any non-finite micro-batch loss stops the step before anything
 * is applied. The global gradient norm can be clipped.
 *
 * The gradients come back as `gradients` times `gradientScale`: clipping (and loss scaling's
 * unscaling) is a factor the optimizer folds into its update (AdamW.apply's gradientScale), not a
 * multiply dispatch per parameter (hundreds per step for a PEFT model, whenever the default
 * clipNorm of 1 binds).
 *
 * The step waits on the device once: the weighted loss and the squared gradient norm are read back
 * together at the end (a non-finite micro-batch loss makes the weighted sum non-finite too).
 *
 * With a loss scale (mixed precision, loss-scaler.ts) each micro-batch's loss is multiplied by it
 * before the backward pass, and the loss, norm and gradientScale are divided by it again (exact:
 * scales are powers of two); a non-finite gradient norm then means an overflow, and the step comes
 * back with `finite: false` and no gradients instead of throwing.
 */
import { UserError } from '../../../shared/errors';
import { tf, type Tensor, type Variable } from '../tf';
import { releasingTapeOnFailure } from './release-tape';

export interface StepGradients {
  loss: number;
  /** By parameter name, to be multiplied by gradientScale; the caller disposes them (disposeGradients). */
  gradients: Map<string, Tensor>;
  /** What the gradients are multiplied by to be the step's: 1, or clipping's and loss scaling's factor. */
  gradientScale: number;
  /** Global L2 norm before clipping. */
  norm: number;
  /** False only with a loss scale, when the gradients overflowed: no gradients, nothing to apply. */
  finite: boolean;
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
  { lossScale = null }: { lossScale?: number | null } = {},
): Promise<StepGradients> {
  const total = microBatches.reduce((sum, batch) => sum + batch.size, 0);
  const variables = parameters.map(({ variable }) => variable);
  const byVariable = new Map(parameters.map(({ name, variable }) => [variable.name, name]));
  const sums = new Map<string, Tensor>();
  let weightedLoss: Tensor | null = null;
  try {
    for (const batch of microBatches) {
      const scaledLoss = lossScale === null ? batch.loss : (): tf.Scalar => tf.mul(batch.loss(), lossScale);
      const { value, grads } = releasingTapeOnFailure(() => tf.variableGrads(scaledLoss, variables));
      const weight = batch.size / total;
      // One micro-batch (weight 1): its gradients are the sums as they are, with no multiply.
      const scale = (tensor: Tensor): Tensor => (weight === 1 ? tensor : tf.mul(tensor, weight));
      const previousLoss: Tensor | null = weightedLoss;
      weightedLoss = tf.tidy(() => (previousLoss ? tf.add(previousLoss, scale(value)) : scale(value)));
      if (weightedLoss !== value) value.dispose();
      previousLoss?.dispose();
      for (const [variableName, gradient] of Object.entries(grads)) {
        const name = byVariable.get(variableName);
        if (name === undefined) {
          gradient.dispose();
          continue;
        }
        const previous = sums.get(name);
        const next = previous ? tf.tidy(() => tf.add(previous, scale(gradient))) : tf.tidy(() => scale(gradient));
        if (next !== gradient) gradient.dispose();
        previous?.dispose();
        sums.set(name, next);
      }
    }
    // The loss and the squared gradient norm come back in one read: one wait on the GPU per step.
    const lossAndSquaredNorm = tf.tidy(() =>
      tf.stack([tf.reshape(weightedLoss ?? tf.scalar(NaN), []), squaredNorm([...sums.values()])]),
    );
    const [scaledLoss = NaN, squared = NaN] = await lossAndSquaredNorm.data();
    lossAndSquaredNorm.dispose();
    const unscale = 1 / (lossScale ?? 1);
    const loss = scaledLoss * unscale;
    if (!Number.isFinite(loss)) {
      throw new UserError(
        'TRAINING_DIVERGED',
        `The training run diverged: the contrastive loss is ${loss}. The weights were left as they were before this step; lower the learning rate, or check the temperature (a divide-parametrised τ at or near 0 gives infinite logits).`,
      );
    }
    const norm = Math.sqrt(squared) * unscale;
    if (!Number.isFinite(norm) && lossScale !== null) {
      disposeGradients(sums);
      return { loss, gradients: sums, gradientScale: unscale, norm, finite: false };
    }
    if (!Number.isFinite(norm)) {
      throw new UserError(
        'TRAINING_DIVERGED',
        `The training run diverged: the gradient norm is ${norm}. The weights were left as they were before this step; lower the learning rate.`,
      );
    }
    const clip = clipNorm !== null && norm > clipNorm ? clipNorm / norm : 1;
    return { loss, gradients: sums, gradientScale: clip * unscale, norm, finite: true };
  } catch (error) {
    disposeGradients(sums);
    throw error;
  } finally {
    weightedLoss?.dispose();
  }
}

/**
 * Inputs per AddN: WebGPU guarantees 8 storage buffers per shader stage (one is the output), and
 * tfjs-backend-webgpu binds every AddN input at once; with more the GPU rejects the shader (a
 * 93-parameter model's norm was silently wrong before GPU errors were turned into failures).
 */
const ADD_N_INPUTS = 7;

/** Entries per concatenated group of the norm: bounds the temporary copy (64 MB of float32). */
export const NORM_GROUP_ENTRIES = 1 << 24;

/**
 * Σ‖g‖² over the gradients: each group of gradients (up to NORM_GROUP_ENTRIES entries, a larger
 * gradient alone) is flattened into one row and squared by one [1, n] x [n, 1] matmul. The concat
 * takes about one dispatch per 7 gradients on a GPU, so a model's norm costs tens of dispatches,
 * not one or two per parameter.
 */
export function squaredNorm(gradients: readonly Tensor[], groupEntries = NORM_GROUP_ENTRIES): Tensor {
  const groups: Tensor[][] = [];
  let current: Tensor[] = [];
  let entries = 0;
  for (const gradient of gradients) {
    if (current.length > 0 && entries + gradient.size > groupEntries) {
      groups.push(current);
      current = [];
      entries = 0;
    }
    current.push(gradient);
    entries += gradient.size;
  }
  if (current.length > 0) groups.push(current);
  let terms = groups.map((group) => {
    const rows = group.map((g) => tf.reshape(g, [1, -1]));
    const row = rows.length === 1 ? rows[0]! : tf.concat(rows, 1);
    return tf.reshape(tf.matMul(row, row, false, true), []);
  });
  if (terms.length === 0) return tf.scalar(0);
  while (terms.length > 1) {
    const next: Tensor[] = [];
    for (let i = 0; i < terms.length; i += ADD_N_INPUTS) {
      const group = terms.slice(i, i + ADD_N_INPUTS);
      next.push(group.length === 1 ? group[0]! : tf.addN(group));
    }
    terms = next;
  }
  return terms[0]!;
}

export function disposeGradients(gradients: Map<string, Tensor>): void {
  for (const gradient of gradients.values()) gradient.dispose();
  gradients.clear();
}
