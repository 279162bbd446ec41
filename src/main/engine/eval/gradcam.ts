/**
 * Grad-CAM in 3D (Selvaraju et al.) for a CT-VLM: the gradient of the image-text cosine similarity
 * with respect to the image encoder's last convolutional block A (layer4), averaged over space to
 * one weight per channel, w_k = mean(∂cos/∂A_k); the map is ReLU(Σ_k w_k A_k) on the feature grid.
 * Upsampling to the CT's grid is done by feature-map-to-grid.ts.
 */
import { BugError } from '../../../shared/errors';
import type { ContrastiveModel } from '../models/contrastive-model';
import { tf } from '../tf';
import { volumeBatch } from './encode-batches';

export interface GradCamMap {
  /** ReLU(Σ w_k A_k), x fastest, on the feature grid `dims`; not normalised. */
  values: Float32Array;
  /** Feature grid size along x, y, z. */
  dims: [number, number, number];
  /** The preprocessed input's size along x, y, z (the feature grid covers it). */
  inputDims: [number, number, number];
  /** cos(image, text) of this study and text (image · text for a difference of two texts). */
  similarity: number;
  /** Largest value of the map (0 when no region raises the similarity). */
  max: number;
}

/**
 * volume: one preprocessed volume (x fastest, `dims`); text: an L2-normalised text embedding,
 * [embedDim], or the difference of two (the similarity is linear in it, so the map then explains
 * cos(image, a) − cos(image, b)). Leaves no tensor behind.
 */
export async function gradCam(
  model: ContrastiveModel,
  volume: Float32Array,
  dims: readonly [number, number, number],
  text: Float32Array,
): Promise<GradCamMap> {
  if (text.length !== model.embedDim) {
    throw new BugError(`A text embedding of ${text.length} values for a model of ${model.embedDim}.`);
  }
  const features = tf.tidy(() => model.imageFeatures(volumeBatch([volume], dims)));
  const textTensor = tf.tensor2d(text, [1, text.length]);
  try {
    const similarityOf = (a: tf.Tensor): tf.Scalar => tf.sum(tf.mul(model.embedImageFeatures(a), textTensor));
    const { value, grad } = tf.valueAndGrad(similarityOf)(features);
    const cam = tf.tidy(() => {
      const weights = tf.mean(grad, [0, 1, 2, 3]); // [C]
      return tf.relu(tf.sum(tf.mul(features, weights), -1)); // [1, d, h, w]
    });
    try {
      const [, d, h, w] = cam.shape as [number, number, number, number];
      const values = Float32Array.from(await cam.data<'float32'>());
      let max = 0;
      for (const v of values) if (v > max) max = v;
      return {
        values,
        dims: [w, h, d],
        inputDims: [dims[0], dims[1], dims[2]],
        similarity: (await value.data())[0] ?? NaN,
        max,
      };
    } finally {
      tf.dispose([value, grad, cam]);
    }
  } finally {
    tf.dispose([features, textTensor]);
  }
}
