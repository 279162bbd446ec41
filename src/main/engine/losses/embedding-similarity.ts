/** L2 normalisation and cosine similarities between paired image and text embeddings [B, D]. */
import { BugError } from '../../../shared/errors';
import { tf, type Tensor } from '../tf';

/** Norms below this are treated as this (as torch.nn.functional.normalize's eps), so zero rows stay finite. */
const NORM_EPSILON = 1e-12;

/** Each row divided by its L2 norm. */
export function l2Normalize(x: Tensor): Tensor {
  return tf.tidy(() => {
    const squared = tf.sum(tf.square(x), -1, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(squared, NORM_EPSILON * NORM_EPSILON)));
  });
}

/** Cosine similarity matrix [B, B]: entry (i, j) = cos(image_i, text_j). */
export function cosineSimilarityMatrix(image: Tensor, text: Tensor): Tensor {
  assertPairedEmbeddings(image, text);
  return tf.tidy(() => tf.matMul(l2Normalize(image), l2Normalize(text), false, true));
}

/** Mean cosine similarity of the matched pairs (image_i, text_i): the paper's "CosSim". */
export function meanMatchedCosine(image: Tensor, text: Tensor): tf.Scalar {
  assertPairedEmbeddings(image, text);
  return tf.tidy(() => tf.mean(tf.sum(tf.mul(l2Normalize(image), l2Normalize(text)), -1)));
}

export function assertPairedEmbeddings(image: Tensor, text: Tensor): void {
  const [batch, dim] = image.shape;
  if (image.rank !== 2 || text.rank !== 2 || batch !== text.shape[0] || dim !== text.shape[1] || !batch || !dim) {
    throw new BugError(
      `Paired embeddings must both be [B, D] with B, D > 0; got [${image.shape.join(', ')}] and [${text.shape.join(', ')}].`,
    );
  }
}
