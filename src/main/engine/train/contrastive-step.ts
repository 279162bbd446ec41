/**
 * One optimizer step of symmetric InfoNCE on a batch of (volume, report) pairs: the building block
 * of the training loop. The loss and gradients are computed first and the loss is checked before
 * anything is applied, so a diverged step (NaN or ±Inf loss) throws and leaves the variables (and
 * the optimizer's state) exactly as they were.
 *
 * Async because reading the loss back is: tfjs-backend-webgpu cannot read synchronously under Node
 * (its readSync needs OffscreenCanvas), so `dataSync` would work on cpu/wasm only.
 */
import { BugError, UserError } from '../../../shared/errors';
import { tf, type Tensor, type Variable } from '../tf';
import { releasingTapeOnFailure } from './release-tape';

/** What a step needs from a model (CtVlm has both). */
export interface ContrastiveModel {
  contrastiveLoss(volumes: Tensor, ids: Tensor, mask: Tensor): tf.Scalar;
  trainableParameters(): Variable[];
}

export interface ContrastiveBatch {
  /** float32 [B, D, H, W, C] (NDHWC) */
  volumes: Tensor;
  /** int32 token ids [B, T] */
  ids: Tensor;
  /** attention mask [B, T]: 1 for tokens, 0 for padding */
  mask: Tensor;
}

/**
 * Runs one step of `optimizer` on `variables` (the model's trainable parameters unless given) and
 * returns the batch's loss before the update. Leaves no tensor behind besides the optimizer's own
 * state (created on its first step).
 */
export async function contrastiveStep(
  model: ContrastiveModel,
  optimizer: tf.Optimizer,
  batch: ContrastiveBatch,
  variables: Variable[] = model.trainableParameters(),
): Promise<number> {
  checkBatch(batch);
  if (variables.length === 0) {
    throw new UserError('INVALID_INPUT', 'Nothing to train: the model has no trainable parameters.');
  }
  const { value, grads } = releasingTapeOnFailure(() =>
    optimizer.computeGradients(() => model.contrastiveLoss(batch.volumes, batch.ids, batch.mask), variables),
  );
  try {
    const loss = (await value.data())[0] ?? NaN;
    if (!Number.isFinite(loss)) {
      throw new UserError(
        'INVALID_INPUT',
        `The training run diverged: the contrastive loss is ${loss}. The weights were left as they were before this ` +
          'step; lower the learning rate, or check the temperature (a divide-parametrised τ at or near 0 gives ' +
          'infinite logits).',
      );
    }
    optimizer.applyGradients(grads);
    return loss;
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

function checkBatch({ volumes, ids, mask }: ContrastiveBatch): void {
  const size = volumes.shape[0];
  if (volumes.rank !== 5 || volumes.dtype !== 'float32') {
    throw new BugError(`Volumes must be float32 [B, D, H, W, C]; got ${volumes.dtype} [${volumes.shape.join(', ')}].`);
  }
  if (ids.rank !== 2 || ids.dtype !== 'int32') {
    throw new BugError(`Token ids must be int32 [B, T]; got ${ids.dtype} [${ids.shape.join(', ')}].`);
  }
  if (mask.rank !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== ids.shape[1]) {
    throw new BugError(`The mask [${mask.shape.join(', ')}] must have the ids' shape [${ids.shape.join(', ')}].`);
  }
  if (ids.shape[0] !== size) {
    throw new BugError(`${size ?? 0} volumes but ${ids.shape[0] ?? 0} reports in one batch.`);
  }
}
