/**
 * What the fused normalisation programs (batch-norm-programs.ts, layer-norm-programs.ts) share: the
 * uniforms, flat indexing of folded grids, and the per-column sums a parameter gradient is made of
 * (Σ over the rows of a [rows x cols] term, in one or two dispatches: per-chunk partial sums, then
 * their total).
 *
 * ColumnPartialsProgram: 64 columns x 4 row lanes per workgroup, so a row's 64 columns are read
 * together and the lanes are summed through workgroup memory; the chunks of rows are sized for about
 * 2,048 workgroups (enough to fill a large GPU). ColumnTotalProgram: one thread per column sums its
 * chunks, optionally scaled. Up to SINGLE_PASS_ROWS rows there is one chunk, and the partials
 * program writes the finished sums itself: one dispatch, where a second would cost more host time
 * than the few workgroups save (a small model's norms have a few thousand rows). Every tensor is
 * passed 1-D, and each program binds only the inputs its shader reads (WebGPU's automatic layout
 * drops unread bindings, and tfjs binds every input).
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { foldWorkgroups } from '../../backends/webgpu-kernels/conv3d-gemm-shader';
import { FLAT_THREADS, WORKGROUP_INDEX } from '../flat-program';

const THREADS = FLAT_THREADS;
const COLUMN_TILE = 64;
const ROW_LANES = THREADS / COLUMN_TILE;
const TARGET_WORKGROUPS = 2048;
export const SINGLE_PASS_ROWS = 2048;

export type Uniform = { type: 'int32' | 'float32'; data: number[] };

export const NORM_UNIFORMS = 'dims : vec4<i32>, chunking : vec4<i32>, eps : f32,';

/** A [rows x cols] problem: `flag` is the program's switch (ReLU for BatchNorm). */
export interface NormShape {
  rows: number;
  cols: number;
  eps: number;
  flag?: boolean;
}

export function normUniforms(shape: NormShape, chunking: readonly number[] = [0, 0, 0, 0]): Uniform[] {
  return [
    { type: 'int32', data: [shape.rows * shape.cols, shape.cols, shape.rows, shape.flag ? 1 : 0] },
    { type: 'int32', data: [chunking[0] ?? 0, chunking[1] ?? 0, chunking[2] ?? 0, chunking[3] ?? 0] },
    { type: 'float32', data: [shape.eps] },
  ];
}

export interface PartialsPlan {
  columnTiles: number;
  chunks: number;
  rowsPerChunk: number;
}

export function planPartials(rows: number, cols: number): PartialsPlan {
  const columnTiles = Math.ceil(cols / COLUMN_TILE);
  if (rows <= SINGLE_PASS_ROWS) return { columnTiles, chunks: 1, rowsPerChunk: Math.max(1, rows) };
  const wanted = Math.max(1, Math.floor(TARGET_WORKGROUPS / columnTiles));
  const rowsPerChunk = Math.max(ROW_LANES, Math.ceil(rows / wanted));
  return { columnTiles, chunks: Math.ceil(rows / rowsPerChunk), rowsPerChunk };
}

/** What a column sum adds up: WGSL helpers, and the term for element i = row·cols + c. */
export interface ColumnTerm {
  key: string;
  variableNames: string[];
  /** WGSL functions the term uses */
  helpers: string;
  /** WGSL statements run once per column before the loop (may declare lets) */
  perColumn: string;
  /** WGSL expression of the term; `i`, `row` and `c` are in scope */
  term: string;
}

/** How a column's total becomes the result: a WGSL expression in c and `sum`, and what it reads. */
export interface ColumnFinish {
  key: string;
  variableNames: string[];
  value: string;
}

export const PLAIN_SUM: ColumnFinish = { key: 'sum', variableNames: [], value: 'sum' };

/**
 * [chunks, cols]: Σ over each chunk's rows of the term, per column; given a finish (one chunk
 * only), [cols] of the finished value.
 */
export class ColumnPartialsProgram implements WebGPUProgram {
  outputShape: number[];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];
  uniforms = NORM_UNIFORMS;
  variableNames: string[];
  shaderKey: string;

  constructor(
    readonly shape: NormShape,
    readonly plan: PartialsPlan,
    readonly term: ColumnTerm,
    readonly finish: ColumnFinish | null = null,
  ) {
    this.variableNames = [...new Set([...term.variableNames, ...(finish?.variableNames ?? [])])];
    this.outputShape = [plan.chunks * shape.cols];
    this.dispatch = foldWorkgroups(plan.columnTiles * plan.chunks);
    this.shaderKey = `columnPartials_${term.key}${finish ? `_${finish.key}` : ''}`;
  }

  uniformData(): Uniform[] {
    return normUniforms(this.shape, [this.plan.chunks, this.plan.rowsPerChunk, this.plan.columnTiles, 0]);
  }

  getUserCode(): string {
    return `${this.term.helpers}
var<workgroup> lanes : array<f32, ${THREADS}>;
fn main(flatIndex : i32) {
  let t = i32(localIndex);
  let lane = t / ${COLUMN_TILE};
  let linear = ${WORKGROUP_INDEX};
  let tile = linear % uniforms.chunking.z;
  let chunk = linear / uniforms.chunking.z;
  let cols = uniforms.dims.y;
  let c = tile * ${COLUMN_TILE} + t % ${COLUMN_TILE};
  var sum = 0.0;
  if (chunk < uniforms.chunking.x && c < cols) {
    ${this.term.perColumn}
    let first = chunk * uniforms.chunking.y;
    let last = min(first + uniforms.chunking.y, uniforms.dims.z);
    for (var row = first + lane; row < last; row += ${ROW_LANES}) {
      let i = row * cols + c;
      sum += ${this.term.term};
    }
  }
  lanes[t] = sum;
  workgroupBarrier();
  if (lane == 0 && chunk < uniforms.chunking.x && c < cols) {
    var total = 0.0;
    for (var l = 0; l < ${ROW_LANES}; l++) { total += lanes[l * ${COLUMN_TILE} + t]; }
    ${
      this.finish
        ? `let sum = total;
    result[c] = ${this.finish.value};`
        : 'result[chunk * cols + c] = total;'
    }
  }
}`;
  }
}

/** [cols]: the partials' chunks summed, times `scale` (a WGSL expression in c and `sum`). */
export class ColumnTotalProgram implements WebGPUProgram {
  outputShape: number[];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [COLUMN_TILE, 1, 1];
  uniforms = NORM_UNIFORMS;
  variableNames: string[];
  shaderKey: string;

  constructor(
    readonly shape: NormShape,
    readonly chunks: number,
    readonly finish: ColumnFinish = PLAIN_SUM,
  ) {
    this.outputShape = [shape.cols];
    this.dispatch = foldWorkgroups(Math.ceil(shape.cols / COLUMN_TILE));
    this.variableNames = ['partials', ...finish.variableNames];
    this.shaderKey = `columnTotal_${finish.key}`;
  }

  uniformData(): Uniform[] {
    return normUniforms(this.shape, [this.chunks, 0, 0, 0]);
  }

  getUserCode(): string {
    return `
fn main(flatIndex : i32) {
  let c = ${WORKGROUP_INDEX} * ${COLUMN_TILE} + i32(localIndex);
  let cols = uniforms.dims.y;
  if (c >= cols) { return; }
  var sum = 0.0;
  for (var k = 0; k < uniforms.chunking.x; k++) { sum += partials[k * cols + c]; }
  result[c] = ${this.finish.value};
}`;
  }
}
