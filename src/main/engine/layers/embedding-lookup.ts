/**
 * Row lookup whose gradient works on every backend. tf.gather's own gradient needs the
 * UnsortedSegmentSum kernel, which tfjs-backend-wasm lacks; here the forward pass is a gather
 * and the backward pass a scatter-add (tf.scatterND sums duplicate indices), which wasm has.
 * Cost is O(tokens x dim) both ways, unlike a one-hot matmul's O(tokens x vocab x dim).
 */
import { BugError } from '../../../shared/errors';
import { tf, type Tensor } from '../tf';

type Inputs = Array<Tensor | tf.GradSaveFunc>;

const lookup = tf.customGrad((...inputs: Inputs) => {
  const [table, ids, save] = inputs;
  if (!(table instanceof tf.Tensor) || !(ids instanceof tf.Tensor) || typeof save !== 'function') {
    throw new BugError('embeddingLookup was called with the wrong arguments.');
  }
  const [rows, dim] = table.shape;
  if (rows === undefined || dim === undefined) throw new BugError('An embedding table must be 2D.');
  save([ids]);
  const value = tf.reshape(tf.gather(table, tf.reshape(ids, [-1])), [...ids.shape, dim]);
  const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] => {
    const savedIds = saved[0];
    if (!savedIds) throw new BugError('embeddingLookup lost its saved ids.');
    const dTable = tf.scatterND(tf.reshape(savedIds, [-1, 1]), tf.reshape(dy, [-1, dim]), [rows, dim]);
    return [dTable, tf.zerosLike(savedIds)];
  };
  return { value, gradFunc };
});

/** table: [rows, dim] float, ids: int32 of any shape, values in [0, rows) -> [...ids.shape, dim]. */
export function embeddingLookup(table: Tensor, ids: Tensor): Tensor {
  if (ids.dtype !== 'int32') throw new BugError(`Token ids must be int32, got ${ids.dtype}.`);
  return lookup(table, ids);
}

/**
 * The same rows by one-hot x matmul (O(tokens x rows x dim)); kept for comparison and tests.
 * The one-hot is built as int32 and cast: tfjs-backend-wasm 4.22's OneHot with dtype 'float32'
 * silently returns all zeros (seen; it writes integer bits into the float buffer).
 */
export function oneHotLookup(table: Tensor, ids: Tensor): Tensor {
  return tf.tidy(() => {
    const [rows, dim] = table.shape;
    if (rows === undefined || dim === undefined) throw new BugError('An embedding table must be 2D.');
    const oneHot = tf.cast(tf.oneHot(tf.reshape(ids, [-1]), rows), 'float32');
    return tf.reshape(tf.matMul(oneHot, table), [...ids.shape, dim]);
  });
}
