/**
 * Reorientation to canonical RAS: i towards +x (Right), j towards +y (Anterior), k towards +z
 * (Superior). Only axis permutations and flips are applied (no resampling), so voxel values are
 * kept exactly and the affine is rewritten so that every voxel keeps its world position. For an
 * oblique scan each voxel axis goes to the world axis it is nearest to.
 */
import type { Volume, VolumeData } from './volume';

/** For each world axis (x, y, z): which voxel axis runs along it, and in which direction. */
export interface AxisMapping {
  /** source[w] is the voxel axis (0 = i, 1 = j, 2 = k) nearest to world axis w. */
  source: [number, number, number];
  /** flip[w] is true when that voxel axis runs towards -w (Left, Posterior or Inferior). */
  flip: [boolean, boolean, boolean];
}

/**
 * Assign each voxel axis to the world axis it is most aligned with: greedily take the largest
 * |direction cosine| of the not yet assigned axes (robust for oblique and sheared affines).
 */
export function nearestAxes(affine: readonly number[]): AxisMapping {
  const cosine = (world: number, voxel: number): number => {
    const norm = Math.hypot(affine[voxel] ?? 0, affine[4 + voxel] ?? 0, affine[8 + voxel] ?? 0) || 1;
    return (affine[world * 4 + voxel] ?? 0) / norm;
  };
  const source: [number, number, number] = [-1, -1, -1];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  const usedVoxel = [false, false, false];
  for (let round = 0; round < 3; round += 1) {
    let best = { world: -1, voxel: -1, value: -1 };
    for (let world = 0; world < 3; world += 1) {
      if (source[world] !== -1) continue;
      for (let voxel = 0; voxel < 3; voxel += 1) {
        if (usedVoxel[voxel]) continue;
        const value = Math.abs(cosine(world, voxel));
        if (value > best.value) best = { world, voxel, value };
      }
    }
    source[best.world] = best.voxel;
    flip[best.world] = cosine(best.world, best.voxel) < 0;
    usedVoxel[best.voxel] = true;
  }
  return { source, flip };
}

/** True when the volume already is in canonical RAS order. */
export function isCanonicalRas(affine: readonly number[]): boolean {
  const { source, flip } = nearestAxes(affine);
  return isIdentityMapping(source, flip);
}

/**
 * The same voxels in canonical RAS order with an affine that keeps every voxel's world position.
 * Pure: the input is never modified; an input that already is canonical is returned with its data
 * shared (not copied).
 */
export function toCanonicalRas(volume: Volume): Volume {
  const { source, flip } = nearestAxes(volume.affine);
  const [nx, ny] = volume.dims;
  const srcStrides = [1, nx, nx * ny];
  const dims = source.map((axis) => volume.dims[axis] ?? 1) as [number, number, number];

  // Affine: output column w is the source column source[w], negated when flipped; a flipped axis
  // starts at the source's last index along it, which moves the origin.
  const affine = [...volume.affine];
  for (let row = 0; row < 3; row += 1) {
    let origin = volume.affine[row * 4 + 3] ?? 0;
    for (let w = 0; w < 3; w += 1) {
      const axis = source[w] ?? w;
      const column = volume.affine[row * 4 + axis] ?? 0;
      affine[row * 4 + w] = flip[w] ? 0 - column : column; // 0 - x: no -0 in the affine
      if (flip[w]) origin += column * ((volume.dims[axis] ?? 1) - 1);
    }
    affine[row * 4 + 3] = origin;
  }
  if (isIdentityMapping(source, flip)) return { data: volume.data, dims: [...volume.dims], affine };

  // Data: walk the output in memory order; the source index moves by a fixed stride per axis.
  const steps = [0, 1, 2].map((w) => {
    const stride = srcStrides[source[w] ?? w] ?? 0;
    return flip[w] ? -stride : stride;
  });
  let start = 0;
  for (let w = 0; w < 3; w += 1) {
    if (flip[w]) start += ((dims[w] ?? 1) - 1) * (srcStrides[source[w] ?? w] ?? 0);
  }
  const data = reorderVoxels(volume.data, dims, start, steps[0] ?? 1, steps[1] ?? 0, steps[2] ?? 0);
  return { data, dims, affine };
}

function isIdentityMapping(source: readonly number[], flip: readonly boolean[]): boolean {
  return source[0] === 0 && source[1] === 1 && source[2] === 2 && !flip[0] && !flip[1] && !flip[2];
}

function reorderVoxels(
  src: VolumeData,
  dims: readonly [number, number, number],
  start: number,
  stepI: number,
  stepJ: number,
  stepK: number,
): VolumeData {
  const [nx, ny, nz] = dims;
  const out = src instanceof Int16Array ? new Int16Array(src.length) : new Float32Array(src.length);
  let o = 0;
  for (let k = 0; k < nz; k += 1) {
    const offK = start + k * stepK;
    for (let j = 0; j < ny; j += 1) {
      const row = offK + j * stepJ;
      if (stepI === 1 || stepI === -1) {
        // Contiguous rows (the usual case): a native copy, reversed in place when i is flipped.
        const first = stepI === 1 ? row : row - nx + 1;
        out.set(src.subarray(first, first + nx), o);
        if (stepI === -1) out.subarray(o, o + nx).reverse();
        o += nx;
      } else {
        for (let i = 0, s = row; i < nx; i += 1, s += stepI) out[o++] = src[s] ?? 0;
      }
    }
  }
  return out;
}
