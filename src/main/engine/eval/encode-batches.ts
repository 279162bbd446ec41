/**
 * Embeddings for evaluation, read back to the CPU: texts in batches through the text tower, and
 * preprocessed volumes (x-fastest [nx, ny, nz] arrays, what preprocess() returns) through the image
 * tower. The model should be in eval mode (no dropout). No tensor is left behind.
 */
import { BugError } from '../../../shared/errors';
import type { TextTokenizer } from '../../text/tokenizer';
import type { ContrastiveModel } from '../models/contrastive-model';
import { tf } from '../tf';

/** L2-normalised text embeddings, [texts.length, embedDim] row-major. */
export async function encodeTexts(
  model: ContrastiveModel,
  tokenizer: TextTokenizer,
  texts: readonly string[],
  batchSize = 16,
): Promise<Float32Array> {
  const dim = model.embedDim;
  const out = new Float32Array(texts.length * dim);
  const maxLength = model.maxTextLength;
  for (let start = 0; start < texts.length; start += batchSize) {
    const batch = tokenizer.encodeBatch(
      texts.slice(start, start + batchSize).map((text) => model.prepareText(text)),
      maxLength,
    );
    const embedding = tf.tidy(() =>
      model.encodeText(
        tf.tensor2d(batch.ids, [batch.batch, maxLength], 'int32'),
        tf.tensor2d(batch.mask, [batch.batch, maxLength], 'int32'),
      ),
    );
    try {
      out.set(await embedding.data<'float32'>(), start * dim);
    } finally {
      embedding.dispose();
    }
  }
  return out;
}

/** A batch of preprocessed volumes as the NDHWC tensor [B, nz, ny, nx, 1] (no copy per voxel order). */
export function volumeBatch(volumes: readonly Float32Array[], dims: readonly [number, number, number]): tf.Tensor {
  const [nx, ny, nz] = dims;
  const size = nx * ny * nz;
  const data = new Float32Array(volumes.length * size);
  volumes.forEach((volume, row) => {
    if (volume.length !== size) {
      throw new BugError(`A volume of ${volume.length} voxels in a batch of ${dims.join('x')} volumes.`);
    }
    data.set(volume, row * size);
  });
  return tf.tensor(data, [volumes.length, nz, ny, nx, 1]);
}

/** L2-normalised image embeddings of one batch, [volumes.length, embedDim] row-major. */
export async function encodeVolumes(
  model: ContrastiveModel,
  volumes: readonly Float32Array[],
  dims: readonly [number, number, number],
): Promise<Float32Array> {
  const embedding = tf.tidy(() => model.encodeVolumes(volumeBatch(volumes, dims)));
  try {
    return Float32Array.from(await embedding.data<'float32'>());
  } finally {
    embedding.dispose();
  }
}
