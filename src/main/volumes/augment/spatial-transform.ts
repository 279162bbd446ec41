/**
 * Composes rotation, scaling, translation, flips and the elastic field into one map from each
 * output voxel to the input position it samples (a pull-back), so the volume is resampled once.
 *
 * In millimetres about the volume centre c (the middle of the voxel centres), with voxel size D:
 *   forward: an input point x goes to y = S·R·x + t, is flipped, z = F·y, then warped by the
 *            elastic field (TorchIO/SimpleITK convention: output point p samples p + u(p)).
 *   pull-back: x = R⁻¹·S⁻¹·(F·(p + u(p)) − t).
 * In voxel indices (p = D·(o − c)):
 *   input(o) = M·(o + D⁻¹·u(p)) + b,   M = D⁻¹·R⁻¹·S⁻¹·F·D,   b = c − M·c − D⁻¹·R⁻¹·S⁻¹·t,
 * so the identity is exactly input(o) = o, and a flip alone maps i to exactly n − 1 − i.
 * R = Rz·Ry·Rx (right-handed about +x Right, +y Anterior, +z Superior); S = diag(factors);
 * F = diag(±1, ±1, +1): the superior–inferior axis is never flipped.
 */
import type { AugmentationParams } from './augmentation-params';
import { BSplineField } from './bspline-field';

export interface SpatialPlan {
  /** Row-major 3×3 M (input voxel per output voxel). */
  matrix: Float64Array;
  /** b, in input voxels. */
  offset: Float64Array;
  /** Elastic shift in input voxels (already multiplied by M·D⁻¹), or null. */
  elastic: BSplineField | null;
}

export function isSpatialIdentity(params: AugmentationParams): boolean {
  return (
    params.rotation === null &&
    params.scaling === null &&
    params.translation === null &&
    params.elastic === null &&
    !params.flip.leftRight &&
    !params.flip.anteriorPosterior
  );
}

/** R = Rz(γ)·Ry(β)·Rx(α), row-major. */
export function rotationMatrix(degrees: readonly [number, number, number]): number[] {
  const [a, b, g] = degrees.map((d) => (d * Math.PI) / 180) as [number, number, number];
  const [ca, sa, cb, sb, cg, sg] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b), Math.cos(g), Math.sin(g)];
  return [
    cg * cb,
    cg * sb * sa - sg * ca,
    cg * sb * ca + sg * sa,
    sg * cb,
    sg * sb * sa + cg * ca,
    sg * sb * ca - cg * sa,
    -sb,
    cb * sa,
    cb * ca,
  ];
}

export function planSpatialTransform(
  params: AugmentationParams,
  dims: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
): SpatialPlan {
  const rotation = params.rotation ? rotationMatrix(params.rotation.degrees) : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const factors = params.scaling?.factors ?? [1, 1, 1];
  const shift = params.translation?.mm ?? [0, 0, 0];
  const flip = [params.flip.leftRight ? -1 : 1, params.flip.anteriorPosterior ? -1 : 1, 1];
  const centre = dims.map((n) => (n - 1) / 2);
  const at = (values: ArrayLike<number>, index: number): number => values[index] as number;

  // A⁻¹ = R⁻¹·S⁻¹ = Rᵀ·diag(1/f).
  const inverse = new Float64Array(9);
  for (let r = 0; r < 3; r += 1) {
    for (let c = 0; c < 3; c += 1) inverse[3 * r + c] = at(rotation, 3 * c + r) / at(factors, c);
  }
  const matrix = new Float64Array(9);
  for (let r = 0; r < 3; r += 1) {
    for (let c = 0; c < 3; c += 1) {
      matrix[3 * r + c] = (at(inverse, 3 * r + c) * at(flip, c) * at(spacingMm, c)) / at(spacingMm, r);
    }
  }
  const offset = new Float64Array(3);
  for (let r = 0; r < 3; r += 1) {
    let mc = 0;
    let shiftMm = 0;
    for (let c = 0; c < 3; c += 1) {
      mc += at(matrix, 3 * r + c) * at(centre, c);
      shiftMm += at(inverse, 3 * r + c) * at(shift, c);
    }
    offset[r] = at(centre, r) - mc - shiftMm / at(spacingMm, r);
  }

  let elastic: BSplineField | null = null;
  if (params.elastic) {
    // Control vectors in mm → shift in input voxels: E = M·D⁻¹ (linear, so it commutes with the spline).
    const source = params.elastic.displacementMm;
    const vectors = new Float64Array(source.length);
    for (let p = 0; p < source.length; p += 3) {
      for (let r = 0; r < 3; r += 1) {
        let sum = 0;
        for (let c = 0; c < 3; c += 1) sum += (at(matrix, 3 * r + c) * at(source, p + c)) / at(spacingMm, c);
        vectors[p + r] = sum;
      }
    }
    elastic = new BSplineField(dims, params.elastic.controlPoints, vectors);
  }
  return { matrix, offset, elastic };
}
