/**
 * A smooth 3D vector field from a cubic B-spline control grid (Eq. 1 of MedCT-VLM §3.3):
 * u(x) = Σ_abc c_abc · B_a(x) · B_b(y) · B_c(z).
 *
 * As in SimpleITK's BSplineTransform (which TorchIO's RandomElasticDeformation uses), n control
 * points per axis make n − 3 uniform spline cells spanning the voxel centres 0 … size − 1; the
 * first and last control layers lie one cell outside the volume. The four basis weights at any
 * point are non-negative and sum to 1, so u is a convex combination of control vectors: it is
 * never longer than the longest of them.
 *
 * Evaluation is separable: per slice k the grid is reduced over c, per row j over b, and each
 * voxel then needs 4 weights × 3 components.
 */
import { BugError } from '../../../shared/errors';

/** Uniform cubic B-spline basis at t ∈ [0, 1] for the four control points around the cell. */
export function cubicBSplineBasis(t: number): [number, number, number, number] {
  const s = 1 - t;
  const t2 = t * t;
  const t3 = t2 * t;
  return [(s * s * s) / 6, (3 * t3 - 6 * t2 + 4) / 6, (-3 * t3 + 3 * t2 + 3 * t + 1) / 6, t3 / 6];
}

interface AxisWeights {
  /** First of the four control indices used at each voxel index. */
  first: Int32Array;
  /** Four weights per voxel index. */
  weights: Float64Array;
}

function axisWeights(size: number, controlPoints: number): AxisWeights {
  const cells = controlPoints - 3;
  const first = new Int32Array(size);
  const weights = new Float64Array(4 * size);
  for (let index = 0; index < size; index += 1) {
    const g = size > 1 ? (index * cells) / (size - 1) : 0;
    const cell = Math.min(Math.floor(g), cells - 1);
    const basis = cubicBSplineBasis(g - cell);
    first[index] = cell;
    weights.set(basis, 4 * index);
  }
  return { first, weights };
}

export class BSplineField {
  private readonly n: number;
  private readonly dims: readonly [number, number, number];
  private readonly x: AxisWeights;
  private readonly y: AxisWeights;
  private readonly z: AxisWeights;
  /** Control vectors reduced over c for the current slice: [3 * (a + n * b) + axis]. */
  private readonly slice: Float64Array;
  /** Reduced over b for the current row: [3 * a + axis]. */
  private readonly rowGrid: Float64Array;
  private currentSlice = -1;

  /**
   * @param vectors 3 values per control point, point (a, b, c) at 3 * (a + n * (b + n * c)), in
   *   whatever unit the caller wants back.
   */
  constructor(
    dims: readonly [number, number, number],
    controlPoints: number,
    private readonly vectors: Float64Array,
  ) {
    const n = controlPoints;
    if (!(Number.isInteger(n) && n >= 4) || vectors.length !== 3 * n * n * n) {
      throw new BugError(`BSplineField needs ${n}³ control vectors (n >= 4), got ${vectors.length / 3}.`);
    }
    this.n = n;
    this.dims = dims;
    this.x = axisWeights(dims[0], n);
    this.y = axisWeights(dims[1], n);
    this.z = axisWeights(dims[2], n);
    this.slice = new Float64Array(3 * n * n);
    this.rowGrid = new Float64Array(3 * n);
  }

  /** Reduce the control grid for slice k (call before `row` for any j of that slice). */
  setSlice(k: number): void {
    if (k === this.currentSlice) return;
    const n = this.n;
    const first = this.z.first[k] as number;
    const w = this.z.weights;
    const slice = this.slice;
    slice.fill(0);
    for (let tap = 0; tap < 4; tap += 1) {
      const weight = w[4 * k + tap] as number;
      if (weight === 0) continue;
      const plane = 3 * n * n * (first + tap);
      for (let m = 0; m < 3 * n * n; m += 1)
        slice[m] = (slice[m] as number) + weight * (this.vectors[plane + m] as number);
    }
    this.currentSlice = k;
  }

  /** Field along row j of the current slice: ux[i], uy[i], uz[i] for i in 0 … nx − 1. */
  row(j: number, ux: Float64Array, uy: Float64Array, uz: Float64Array): void {
    const n = this.n;
    const grid = this.rowGrid;
    grid.fill(0);
    const firstB = this.y.first[j] as number;
    for (let tap = 0; tap < 4; tap += 1) {
      const weight = this.y.weights[4 * j + tap] as number;
      if (weight === 0) continue;
      const line = 3 * n * (firstB + tap);
      for (let m = 0; m < 3 * n; m += 1) grid[m] = (grid[m] as number) + weight * (this.slice[line + m] as number);
    }
    const xFirst = this.x.first;
    const xw = this.x.weights;
    for (let i = 0; i < this.dims[0]; i += 1) {
      const at = 3 * (xFirst[i] as number);
      const w0 = xw[4 * i] as number;
      const w1 = xw[4 * i + 1] as number;
      const w2 = xw[4 * i + 2] as number;
      const w3 = xw[4 * i + 3] as number;
      ux[i] =
        w0 * (grid[at] as number) +
        w1 * (grid[at + 3] as number) +
        w2 * (grid[at + 6] as number) +
        w3 * (grid[at + 9] as number);
      uy[i] =
        w0 * (grid[at + 1] as number) +
        w1 * (grid[at + 4] as number) +
        w2 * (grid[at + 7] as number) +
        w3 * (grid[at + 10] as number);
      uz[i] =
        w0 * (grid[at + 2] as number) +
        w1 * (grid[at + 5] as number) +
        w2 * (grid[at + 8] as number) +
        w3 * (grid[at + 11] as number);
    }
  }

  /** The whole field as three dense arrays (tests and inspection; the resampler goes row by row). */
  dense(): { x: Float64Array; y: Float64Array; z: Float64Array } {
    const [nx, ny, nz] = this.dims;
    const total = nx * ny * nz;
    const out = { x: new Float64Array(total), y: new Float64Array(total), z: new Float64Array(total) };
    const ux = new Float64Array(nx);
    const uy = new Float64Array(nx);
    const uz = new Float64Array(nx);
    for (let k = 0; k < nz; k += 1) {
      this.setSlice(k);
      for (let j = 0; j < ny; j += 1) {
        this.row(j, ux, uy, uz);
        const at = nx * (j + ny * k);
        out.x.set(ux, at);
        out.y.set(uy, at);
        out.z.set(uz, at);
      }
    }
    return out;
  }
}
