/**
 * CTViT's `vq` (vector-quantize-pytorch 1.1.2, `use_cosine_sim=True`, one codebook, no
 * projection): each token picks the codebook row of highest cosine similarity (argmax against the
 * L2-normalised rows) and is replaced by that row as stored (not re-normalised). CT-CLIP's image
 * latents are computed from these quantised tokens (`return_encoded_tokens` returns after the
 * lookup).
 *
 * Buffers, as the reference saves them: `_codebook.initted` [1], `_codebook.cluster_size` [1, K],
 * `_codebook.embed` [1, K, dim]. The codebook is never trained here (the reference updates it by
 * EMA in training mode; adaptation keeps it fixed). Gradients pass straight through the lookup to
 * the unquantised tokens, as the reference's training-mode x + (q − x).detach() does.
 */
import { BugError } from '../../../../shared/errors';
import { l2Normalize } from '../../losses/embedding-similarity';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';

type Inputs = Array<Tensor | tf.GradSaveFunc>;

/**
 * tokens [n, dim], codebook rows [K, dim] -> the chosen rows [n, dim]; the gradient goes to the
 * tokens unchanged (straight through) and none to the codebook. The argmax runs inside, so no
 * integer index tensor is ever on the gradient tape.
 */
const lookupStraightThrough = tf.customGrad((...inputs: Inputs) => {
  const [tokens, rows] = inputs;
  if (!(tokens instanceof tf.Tensor) || !(rows instanceof tf.Tensor)) {
    throw new BugError('The codebook lookup was called with the wrong arguments.');
  }
  const value = tf.gather(rows, nearestRows(tokens, rows));
  return { value, gradFunc: (dy: Tensor) => [dy, tf.zerosLike(rows)] };
});

/** Index [n] (int32) of the row of `rows` [K, dim] closest in angle to each token of `tokens` [n, dim]. */
function nearestRows(tokens: Tensor, rows: Tensor): Tensor {
  return tf.tidy(() => tf.argMax(tf.matMul(l2Normalize(tokens), l2Normalize(rows), false, true), -1));
}

class CosineSimCodebook extends Module {
  constructor(
    readonly dim: number,
    readonly size: number,
    seed: number,
  ) {
    super();
    this.registerBuffer('initted', tf.ones([1]));
    this.registerBuffer('cluster_size', tf.zeros([1, size]));
    const initial = tf.tidy(() => l2Normalize(tf.randomUniform([1, size, dim], -1, 1, 'float32', seed)));
    this.registerBuffer('embed', initial);
  }

  /** The codebook rows as stored, [K, dim]. */
  rows(): Tensor {
    return tf.reshape(this.buffer('embed'), [this.size, this.dim]);
  }
}

export class VectorQuantize extends Module {
  readonly _codebook: CosineSimCodebook;

  constructor(
    readonly dim: number,
    codebookSize: number,
    seed = 1,
  ) {
    super();
    this._codebook = this.registerModule('_codebook', new CosineSimCodebook(dim, codebookSize, seed));
  }

  /** Index [...] (int32) of the codebook row each token [..., dim] is closest to in angle. */
  indices(x: Tensor): Tensor {
    return tf.tidy(() =>
      tf.reshape(nearestRows(tf.reshape(x, [-1, this.dim]), this._codebook.rows()), x.shape.slice(0, -1)),
    );
  }

  /** x: [..., dim] -> the chosen codebook rows, same shape. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() =>
      tf.reshape(lookupStraightThrough(tf.reshape(x, [-1, this.dim]), this._codebook.rows()), x.shape),
    );
  }
}
