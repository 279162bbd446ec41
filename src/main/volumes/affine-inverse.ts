/** Inverse of a voxel→world affine (row-major 4x4 whose last row is 0 0 0 1). */
import { UserError } from '../../shared/errors';

export function invertAffine(affine: readonly number[]): number[] {
  const m = (row: number, column: number): number => affine[row * 4 + column] ?? 0;
  const [a, b, c, d, e, f, g, h, i] = [m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), m(2, 0), m(2, 1), m(2, 2)];
  const cofactors = [
    e * i - f * h,
    c * h - b * i,
    b * f - c * e,
    f * g - d * i,
    a * i - c * g,
    c * d - a * f,
    d * h - e * g,
    b * g - a * h,
    a * e - b * d,
  ];
  const determinant = a * (cofactors[0] ?? 0) + b * (cofactors[3] ?? 0) + c * (cofactors[6] ?? 0);
  if (!Number.isFinite(determinant) || Math.abs(determinant) < 1e-12) {
    throw new UserError('VOLUME_INVALID', "The volume's affine cannot be inverted: its voxel axes are degenerate.");
  }
  const r = cofactors.map((value) => value / determinant);
  const t = [m(0, 3), m(1, 3), m(2, 3)];
  const out = new Array<number>(16).fill(0);
  for (let row = 0; row < 3; row += 1) {
    for (let column = 0; column < 3; column += 1) out[row * 4 + column] = r[row * 3 + column] ?? 0;
    out[row * 4 + 3] = -(
      (r[row * 3] ?? 0) * (t[0] ?? 0) +
      (r[row * 3 + 1] ?? 0) * (t[1] ?? 0) +
      (r[row * 3 + 2] ?? 0) * (t[2] ?? 0)
    );
  }
  out[15] = 1;
  return out;
}

/** a · b for row-major 4x4 matrices. */
export function multiplyAffines(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let row = 0; row < 4; row += 1) {
    for (let column = 0; column < 4; column += 1) {
      let sum = 0;
      for (let k = 0; k < 4; k += 1) sum += (a[row * 4 + k] ?? 0) * (b[k * 4 + column] ?? 0);
      out[row * 4 + column] = sum;
    }
  }
  return out;
}
