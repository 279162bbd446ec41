/**
 * The workbench's volumes and feature grids are [N, Z, Y, X, C] (x fastest); Merlin and CT-CLIP
 * read [N, Z, X, Y, C] (y fastest). Swapping the two in-plane axes goes either way.
 */
import { tf, type Tensor } from '../tf';

/** [N, d, a, b, C] -> [N, d, b, a, C], with a rank-4 transpose (see layers/channels-last.ts). */
export function swapInPlaneAxes(grid: Tensor): Tensor {
  const [n = 1, d = 1, a = 1, b = 1, c = 1] = grid.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(grid, [n * d, a, b, c]), [0, 2, 1, 3]), [n, d, b, a, c]));
}
