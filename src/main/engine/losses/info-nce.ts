/**
 * Symmetric InfoNCE (the CLIP loss) on paired image and text embeddings [B, D]:
 *   logits = cos(image_i, text_j) · scale,
 *   loss = (CE(logits, diag) + CE(logitsᵀ, diag)) / 2,
 * with each cross-entropy written as logSumExp(row) − logit(i, i), so no softmax is formed and
 * large scales (1/0.07 and beyond) stay finite. Embeddings are L2-normalised here. The scale
 * comes from logit-scale.ts (HCC-Merlin's 1/τ or CT-CLIP's exp(t)).
 */
import { BugError } from '../../../shared/errors';
import { tf, type Tensor } from '../tf';
import { cosineSimilarityMatrix } from './embedding-similarity';

export function symmetricInfoNce(image: Tensor, text: Tensor, scale: Tensor | number): tf.Scalar {
  if (typeof scale !== 'number' && scale.size !== 1) {
    throw new BugError(`The logit scale must be a scalar; got shape [${scale.shape.join(', ')}].`);
  }
  return tf.tidy(() => {
    const logits = tf.mul(cosineSimilarityMatrix(image, text), tf.reshape(scale, []));
    const batch = logits.shape[0] ?? 0;
    const matched = tf.sum(tf.mul(logits, tf.eye(batch)), 1);
    const imageToText = tf.mean(tf.sub(tf.logSumExp(logits, 1), matched));
    const textToImage = tf.mean(tf.sub(tf.logSumExp(logits, 0), matched));
    return tf.div<tf.Scalar>(tf.add(imageToText, textToImage), 2);
  });
}
