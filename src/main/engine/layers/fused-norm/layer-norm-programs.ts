/**
 * WGSL programs for LayerNorm over the last axis of a [rows x cols] view, biased variance:
 *
 *   mean, var over a row,  x̂ = (x − mean)·rsqrt(var + eps),  y = x̂·weight + bias
 *
 * - LayerNormForwardProgram: y; one 64-thread workgroup per row, the row's sums reduced through
 *   workgroup memory.
 * - LayerNormInputGradProgram: dx = rsqrt(var + eps)·(g − mean(g) − x̂·mean(g·x̂)) with
 *   g = dy·weight; one workgroup per row (the statistics are recomputed from x, so only x is kept
 *   for the backward).
 * - LayerNormRowStatsProgram: [rows, 2] (mean, rsqrt(var + eps)), for dweight.
 * - layerNormParameterTerm: dweight = Σ dy·x̂ and dbias = Σ dy as column sums (norm-program-base.ts).
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { WORKGROUP_INDEX } from '../flat-program';
import { foldWorkgroups } from '../../backends/webgpu-kernels/conv3d-gemm-shader';
import { NORM_UNIFORMS, normUniforms, type ColumnTerm, type NormShape, type Uniform } from './norm-program-base';

const ROW_THREADS = 64;

export type LayerNormParameter = 'weight' | 'bias';

/** rowSum (a workgroup-wide sum; every thread must call it) and rowStats (mean, rsqrt(var + eps)). */
const ROW_HELPERS = `
var<workgroup> reduction : array<f32, ${ROW_THREADS}>;
fn rowSum(t : i32, value : f32) -> f32 {
  reduction[t] = value;
  workgroupBarrier();
  for (var stride = ${ROW_THREADS / 2}; stride > 0; stride = stride / 2) {
    if (t < stride) { reduction[t] = reduction[t] + reduction[t + stride]; }
    workgroupBarrier();
  }
  let total = reduction[0];
  workgroupBarrier();
  return total;
}
fn rowStats(t : i32, base : i32, cols : i32) -> vec2<f32> {
  var sum = 0.0;
  for (var j = t; j < cols; j += ${ROW_THREADS}) { sum += x[base + j]; }
  let mean = rowSum(t, sum) / f32(cols);
  var squares = 0.0;
  for (var j = t; j < cols; j += ${ROW_THREADS}) {
    let d = x[base + j] - mean;
    squares += d * d;
  }
  let variance = rowSum(t, squares) / f32(cols);
  return vec2<f32>(mean, inverseSqrt(variance + uniforms.eps));
}
`;

/**
 * The row this workgroup handles, its first element, the thread's lane and the row's statistics.
 * A workgroup past the last row (a folded grid's excess) reads row 0 and writes nothing: it may
 * not return early, because rowSum's barriers must be reached by the whole workgroup and WGSL's
 * uniformity analysis treats tfjs's copy of workgroupId (a private variable) as non-uniform.
 */
const ROW_PROLOGUE = `
  let row = ${WORKGROUP_INDEX};
  let valid = row < uniforms.dims.z;
  let cols = uniforms.dims.y;
  let base = select(0, row * cols, valid);
  let t = i32(localIndex);
  let stats = rowStats(t, base, cols);`;

abstract class RowProgram implements WebGPUProgram {
  outputShape: number[];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ROW_THREADS, 1, 1];
  uniforms = NORM_UNIFORMS;
  abstract variableNames: string[];
  abstract shaderKey: string;

  constructor(
    readonly shape: NormShape,
    outputSize: number,
  ) {
    this.outputShape = [outputSize];
    this.dispatch = foldWorkgroups(shape.rows);
  }

  uniformData(): Uniform[] {
    return normUniforms(this.shape);
  }

  abstract getUserCode(): string;
}

/** y [rows x cols]; inputs x, w, b. */
export class LayerNormForwardProgram extends RowProgram {
  variableNames = ['x', 'w', 'b'];
  shaderKey = 'layerNorm_forward';

  constructor(shape: NormShape) {
    super(shape, shape.rows * shape.cols);
  }

  getUserCode(): string {
    return `${ROW_HELPERS}
fn main(flatIndex : i32) {${ROW_PROLOGUE}
  if (valid) {
    for (var j = t; j < cols; j += ${ROW_THREADS}) {
      result[base + j] = (x[base + j] - stats.x) * stats.y * w[j] + b[j];
    }
  }
}`;
  }
}

/** dx [rows x cols]; inputs dy, x, w. */
export class LayerNormInputGradProgram extends RowProgram {
  variableNames = ['dy', 'x', 'w'];
  shaderKey = 'layerNorm_dx';

  constructor(shape: NormShape) {
    super(shape, shape.rows * shape.cols);
  }

  getUserCode(): string {
    return `${ROW_HELPERS}
fn main(flatIndex : i32) {${ROW_PROLOGUE}
  var sumG = 0.0;
  var sumGx = 0.0;
  for (var j = t; j < cols; j += ${ROW_THREADS}) {
    let g = dy[base + j] * w[j];
    sumG += g;
    sumGx += g * (x[base + j] - stats.x) * stats.y;
  }
  let meanG = rowSum(t, sumG) / f32(cols);
  let meanGx = rowSum(t, sumGx) / f32(cols);
  if (valid) {
    for (var j = t; j < cols; j += ${ROW_THREADS}) {
      let normalised = (x[base + j] - stats.x) * stats.y;
      result[base + j] = stats.y * (dy[base + j] * w[j] - meanG - normalised * meanGx);
    }
  }
}`;
  }
}

/** [rows, 2]: each row's mean and rsqrt(var + eps); input x. */
export class LayerNormRowStatsProgram extends RowProgram {
  variableNames = ['x'];
  shaderKey = 'layerNorm_rowStats';

  constructor(shape: NormShape) {
    super(shape, shape.rows * 2);
  }

  getUserCode(): string {
    return `${ROW_HELPERS}
fn main(flatIndex : i32) {${ROW_PROLOGUE}
  if (valid && t == 0) {
    result[2 * row] = stats.x;
    result[2 * row + 1] = stats.y;
  }
}`;
  }
}

/** The per-element term of dweight (dy·x̂, reading the row statistics) or dbias (dy). */
export function layerNormParameterTerm(which: LayerNormParameter): ColumnTerm {
  return which === 'weight'
    ? {
        key: 'layerNorm_weight',
        variableNames: ['dy', 'x', 'stats'],
        helpers: '',
        perColumn: '',
        term: 'dy[i] * (x[i] - stats[2 * row]) * stats[2 * row + 1]',
      }
    : { key: 'layerNorm_bias', variableNames: ['dy'], helpers: '', perColumn: '', term: 'dy[i]' };
}
