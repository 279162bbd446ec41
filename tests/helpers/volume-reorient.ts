/**
 * Store a volume in another voxel order (axes permuted and/or flipped) with the affine that keeps
 * every voxel at the same world position: the inverse of what the readers undo. Written with
 * plain per-voxel index arithmetic, independently of src/main/volumes/orientation.ts.
 */
import type { Volume } from '../../src/main/volumes/volume';

/**
 * Output axis a runs along input axis `axes[a]`, backwards when `flips[a]`.
 * E.g. axes [0,1,2] flips [true,true,false] is the LPS-style storage DICOM uses.
 */
export function storeReoriented(
  volume: Volume,
  axes: readonly [number, number, number],
  flips: readonly [boolean, boolean, boolean],
): Volume {
  const inDims = volume.dims;
  const dims = axes.map((axis) => inDims[axis] ?? 0) as [number, number, number];
  const sourceIndex = (out: readonly number[]): number[] => {
    const index = [0, 0, 0];
    axes.forEach((axis, a) => {
      index[axis] = flips[a] ? (dims[a] ?? 0) - 1 - (out[a] ?? 0) : (out[a] ?? 0);
    });
    return index;
  };
  const data =
    volume.data instanceof Int16Array ? new Int16Array(volume.data.length) : new Float32Array(volume.data.length);
  let o = 0;
  for (let k = 0; k < dims[2]; k += 1) {
    for (let j = 0; j < dims[1]; j += 1) {
      for (let i = 0; i < dims[0]; i += 1) {
        const [x = 0, y = 0, z = 0] = sourceIndex([i, j, k]);
        data[o] = volume.data[x + inDims[0] * (y + inDims[1] * z)] ?? NaN;
        o += 1;
      }
    }
  }
  const at = (row: number, col: number): number => volume.affine[row * 4 + col] ?? 0;
  const origin = sourceIndex([0, 0, 0]);
  const affine: number[] = [];
  for (let row = 0; row < 3; row += 1) {
    for (let a = 0; a < 3; a += 1) affine.push((flips[a] ? -1 : 1) * at(row, axes[a] ?? 0));
    affine.push(at(row, 3) + origin.reduce((sum, index, col) => sum + index * at(row, col), 0));
  }
  affine.push(0, 0, 0, 1);
  return { data, dims, affine };
}

/** World position (mm) of voxel (i, j, k) under a row-major 4x4 affine. */
export function worldOf(affine: readonly number[], index: readonly [number, number, number]): number[] {
  return [0, 1, 2].map(
    (row) =>
      (affine[row * 4] ?? 0) * index[0] +
      (affine[row * 4 + 1] ?? 0) * index[1] +
      (affine[row * 4 + 2] ?? 0) * index[2] +
      (affine[row * 4 + 3] ?? 0),
  );
}
