/**
 * The voxel grid a phantom is rendered onto: dims and spacing, centred on the world origin with
 * a diagonal RAS+ affine (i → +x Right, j → +y Anterior, k → +z Superior).
 */
import type { Vec3 } from './shape-spec';

export interface PhantomGrid {
  dims: [number, number, number];
  spacingMm: [number, number, number];
}

/** World position (mm) of voxel index 0 along each axis. */
export function gridOrigin(grid: PhantomGrid): Vec3 {
  const [nx, ny, nz] = grid.dims;
  const [sx, sy, sz] = grid.spacingMm;
  return [-((nx - 1) / 2) * sx, -((ny - 1) / 2) * sy, -((nz - 1) / 2) * sz];
}

/** Row-major 4x4 voxel → world (mm) matrix, RAS+, centred on the origin. */
export function gridAffine(grid: PhantomGrid): number[] {
  const [sx, sy, sz] = grid.spacingMm;
  const [ox, oy, oz] = gridOrigin(grid);
  return [sx, 0, 0, ox, 0, sy, 0, oy, 0, 0, sz, oz, 0, 0, 0, 1];
}
