/**
 * The WGSL programs behind the fused LoRA matmul on WebGPU (tfjs-backend-webgpu's WebGPUProgram
 * interface), so a LoRA layer costs one dispatch forward instead of five (base matmul, bias, A, B,
 * scale-and-add).
 *
 * LoraMatMulProgram: y [M, N] = x [M, K] · Wop + bias + scale · (x · Pop) · Qop, r = rank.
 * A workgroup of 8x8 threads owns a 32x32 tile of y, 4x4 outputs a thread, and walks K in
 * 32-wide tiles of x and W through workgroup memory, as tfjs's MatMulPackedProgram does. The same
 * x values also feed U = x·Pop for the tile's 32 rows: each thread keeps U for its own 4 rows and
 * the rank columns tx, tx + 8, ... (r is small, so this adds about r/32 to the work, recomputed by
 * each column tile). The epilogue puts U in workgroup memory and adds bias + scale · U·Qop.
 * Forward: Wop = Wᵀ (W stored [N, K]), Pop = Aᵀ, Qop = Bᵀ; the backward's dx = dy W + s (dy B) A
 * is the same program with nothing transposed.
 *
 * LowRankProjectionProgram: out [M, r] = scale · x · Pop (the backward's s·dy·B and s·x·Aᵀ), the
 * U part of the above on its own.
 *
 * Workgroup memory: x and W tiles (2 · 1024 floats) and one [32, r] tile that holds P's rows
 * during the K loop and U's rows in the epilogue: at most 4096 floats = 16 KiB (WebGPU's
 * guaranteed limit) for r ≤ 64. Row tiles beyond 65,535 are folded into the next grid dimension.
 * Only flat float32 buffers are read (rank ≤ 2), so tfjs's 5-D `vec5` limitation never applies.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { BugError } from '../../../../shared/errors';

/** Rows, columns and inner elements per tile. */
export const TILE = 32;
/** The largest LoRA rank the programs take (workgroup memory is sized by it). */
export const MAX_FUSED_RANK = 64;
const THREADS = 64;
/**
 * scale; and the rank as a uniform, not a literal, for the epilogue's loop over it: with a literal
 * trip count Mesa's lavapipe (LLVM) unrolled it into every output and took up to 30 s to compile
 * one pipeline (a GPU driver unrolls what pays either way).
 */
const PROGRAM_UNIFORMS = 'scale : f32, rank : i32,';
/** The values of PROGRAM_UNIFORMS for a program of this rank. */
export function programUniforms(scale: number, rank: number): Array<{ type: 'float32' | 'int32'; data: number[] }> {
  return [
    { type: 'float32', data: [scale] },
    { type: 'int32', data: [rank] },
  ];
}
const MAX_WORKGROUPS_PER_DIM = 65535;

export interface LoraMatMulShape {
  rows: number;
  inner: number;
  cols: number;
  rank: number;
}

export interface LoraMatMulFlags {
  /** W stored [N, K] (nn.Linear's [out, in]) rather than [K, N]. */
  weightTransposed: boolean;
  /** P stored [r, K] (lora_A's [r, in]) rather than [K, r]. */
  projectionTransposed: boolean;
  /** Q stored [N, r] (lora_B's [out, r]) rather than [r, N]. */
  upTransposed: boolean;
  hasBias: boolean;
}

function checkRank(rank: number): void {
  if (!Number.isInteger(rank) || rank < 1 || rank > MAX_FUSED_RANK) {
    throw new BugError(`The fused LoRA programs take ranks 1..${MAX_FUSED_RANK}, got ${rank}.`);
  }
}

/** A grid of `tiles` row tiles over (first, second) dimensions, each ≤ 65,535. */
function foldRowTiles(tiles: number): [number, number] {
  const first = Math.max(1, Math.min(tiles, MAX_WORKGROUPS_PER_DIM));
  const second = Math.max(1, Math.ceil(tiles / first));
  if (second > MAX_WORKGROUPS_PER_DIM) throw new BugError(`A LoRA matmul of ${tiles} row tiles is too large.`);
  return [first, second];
}

/** WGSL that loads the [32, r] tile of Pop for inner offset k0 into lowTile[k * r + j]. */
function loadProjectionTile(name: string, transposed: boolean, rank: number): string {
  const source = transposed
    ? `let j = e / ${TILE}; let k = e % ${TILE};
       if (k0 + k < inner) { v = ${name}[j * inner + k0 + k]; }`
    : `let k = e / ${rank}; let j = e % ${rank};
       if (k0 + k < inner) { v = ${name}[(k0 + k) * ${rank} + j]; }`;
  return `
    for (var e = li; e < ${TILE * rank}; e = e + ${THREADS}) {
      var v = 0.0;
      ${source}
      lowTile[k * ${rank} + j] = v;
    }`;
}

/** WGSL that loads the [32, 32] x tile for rows row0.. and inner offset k0 into xTile[r * 32 + k]. */
function loadInputTile(name: string): string {
  return `
    for (var e = li; e < ${TILE * TILE}; e = e + ${THREADS}) {
      let r = e / ${TILE}; let c = e % ${TILE};
      var v = 0.0;
      if (row0 + r < rows && k0 + c < inner) { v = ${name}[(row0 + r) * inner + k0 + c]; }
      xTile[e] = v;
    }`;
}

/**
 * U's share of a thread: its 4 tile rows (ty·4 + i, as for y) by the rank columns tx + 8c. Columns
 * per thread: ceil(r / 8).
 */
const lowRankColumns = (rank: number): number => Math.ceil(rank / 8);

/** WGSL declaring and zeroing uAcc, this thread's [4][ceil(r/8)] share of U. */
function declareLowRankAccumulator(rank: number): string {
  const columns = lowRankColumns(rank);
  return `
    var uAcc : array<array<f32, ${columns}>, 4>;
    for (var i = 0; i < 4; i++) { for (var c = 0; c < ${columns}; c++) { uAcc[i][c] = 0.0; } }`;
}

/** WGSL reading P's row k for this thread's columns into pv (zero past the rank). */
function readProjectionRow(rank: number): string {
  const columns = lowRankColumns(rank);
  return `
    var pv : array<f32, ${columns}>;
    for (var c = 0; c < ${columns}; c++) {
      let j = tx + c * 8;
      pv[c] = select(0.0, lowTile[k * ${rank} + min(j, ${rank - 1})], j < ${rank});
    }`;
}

/** WGSL adding xv · pv into row i of uAcc. */
function accumulateLowRank(rank: number): string {
  return `for (var c = 0; c < ${lowRankColumns(rank)}; c++) { uAcc[i][c] = fma(xv, pv[c], uAcc[i][c]); }`;
}

/** WGSL calling write(row, j, value) for each entry of this thread's share of U. */
function forEachLowRankEntry(rank: number, write: string): string {
  return `
    for (var i = 0; i < 4; i++) {
      for (var c = 0; c < ${lowRankColumns(rank)}; c++) {
        let j = tx + c * 8;
        let r = ty * 4 + i;
        if (j < ${rank}) { ${write} }
      }
    }`;
}

export class LoraMatMulProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms = PROGRAM_UNIFORMS;
  workgroupSize: [number, number, number] = [8, 8, 1];

  constructor(
    readonly shape: LoraMatMulShape,
    readonly flags: LoraMatMulFlags,
  ) {
    checkRank(shape.rank);
    this.outputShape = [shape.rows, shape.cols];
    this.variableNames = ['loraX', 'loraW'];
    if (flags.hasBias) this.variableNames.push('loraBias');
    this.variableNames.push('loraP', 'loraQ');
    const [y, z] = foldRowTiles(Math.ceil(shape.rows / TILE));
    this.dispatch = [Math.max(1, Math.ceil(shape.cols / TILE)), y, z];
    const { weightTransposed, projectionTransposed, upTransposed, hasBias } = flags;
    this.shaderKey = `loraMatMul_${shape.rank}_${weightTransposed}_${projectionTransposed}_${upTransposed}_${hasBias}`;
  }

  getUserCode(): string {
    const { rank } = this.shape;
    const { weightTransposed, projectionTransposed, upTransposed, hasBias } = this.flags;
    const loadWeight = weightTransposed
      ? `let n = e / ${TILE}; let k = e % ${TILE};
         if (col0 + n < cols && k0 + k < inner) { v = loraW[(col0 + n) * inner + k0 + k]; }`
      : `let k = e / ${TILE}; let n = e % ${TILE};
         if (col0 + n < cols && k0 + k < inner) { v = loraW[(k0 + k) * cols + col0 + n]; }`;
    const up = upTransposed ? `loraQ[n * ${rank} + q]` : `loraQ[q * cols + n]`;
    return `
      var<workgroup> xTile : array<f32, ${TILE * TILE}>;
      var<workgroup> wTile : array<f32, ${TILE * TILE}>;
      var<workgroup> lowTile : array<f32, ${TILE * rank}>;

      fn main() {
        let rows = uniforms.outShape.x;
        let cols = uniforms.outShape.y;
        let inner = uniforms.loraXShape.y;
        let li = i32(localIndex);
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let row0 = i32(workgroupId.z * numWorkgroups.y + workgroupId.y) * ${TILE};
        let col0 = i32(workgroupId.x) * ${TILE};
        var acc : array<array<f32, 4>, 4>;
        for (var i = 0; i < 4; i++) { for (var j = 0; j < 4; j++) { acc[i][j] = 0.0; } }
        ${declareLowRankAccumulator(rank)}
        let tiles = (inner + ${TILE - 1}) / ${TILE};
        for (var t = 0; t < tiles; t++) {
          let k0 = t * ${TILE};
          ${loadInputTile('loraX')}
          for (var e = li; e < ${TILE * TILE}; e = e + ${THREADS}) {
            var v = 0.0;
            ${loadWeight}
            wTile[k * ${TILE} + n] = v;
          }
          ${loadProjectionTile('loraP', projectionTransposed, rank)}
          workgroupBarrier();
          for (var k = 0; k < ${TILE}; k++) {
            var wv : array<f32, 4>;
            for (var j = 0; j < 4; j++) { wv[j] = wTile[k * ${TILE} + tx * 4 + j]; }
            ${readProjectionRow(rank)}
            for (var i = 0; i < 4; i++) {
              let xv = xTile[(ty * 4 + i) * ${TILE} + k];
              for (var j = 0; j < 4; j++) { acc[i][j] = fma(xv, wv[j], acc[i][j]); }
              ${accumulateLowRank(rank)}
            }
          }
          workgroupBarrier();
        }
        ${forEachLowRankEntry(rank, `lowTile[r * ${rank} + j] = uAcc[i][c];`)}
        workgroupBarrier();
        for (var i = 0; i < 4; i++) {
          let m = row0 + ty * 4 + i;
          for (var j = 0; j < 4; j++) {
            let n = col0 + tx * 4 + j;
            if (m < rows && n < cols) {
              var low = 0.0;
              for (var q = 0; q < uniforms.rank; q++) { low = fma(lowTile[(ty * 4 + i) * ${rank} + q], ${up}, low); }
              var value = acc[i][j];
              ${hasBias ? 'value = value + loraBias[n];' : ''}
              result[m * cols + n] = value + uniforms.scale * low;
            }
          }
        }
      }`;
  }
}

export class LowRankProjectionProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0], y: [1] };
  dispatch: [number, number, number];
  variableNames = ['loraX', 'loraP'];
  uniforms = PROGRAM_UNIFORMS;
  workgroupSize: [number, number, number] = [8, 8, 1];

  constructor(
    readonly shape: { rows: number; inner: number; rank: number },
    readonly projectionTransposed: boolean,
  ) {
    checkRank(shape.rank);
    this.outputShape = [shape.rows, shape.rank];
    const [x, y] = foldRowTiles(Math.ceil(shape.rows / TILE));
    this.dispatch = [x, y, 1];
    this.shaderKey = `loraProjection_${shape.rank}_${projectionTransposed}`;
  }

  getUserCode(): string {
    const { rank } = this.shape;
    return `
      var<workgroup> xTile : array<f32, ${TILE * TILE}>;
      var<workgroup> lowTile : array<f32, ${TILE * rank}>;

      fn main() {
        let rows = uniforms.outShape.x;
        let inner = uniforms.loraXShape.y;
        let li = i32(localIndex);
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let row0 = i32(workgroupId.y * numWorkgroups.x + workgroupId.x) * ${TILE};
        ${declareLowRankAccumulator(rank)}
        let tiles = (inner + ${TILE - 1}) / ${TILE};
        for (var t = 0; t < tiles; t++) {
          let k0 = t * ${TILE};
          ${loadInputTile('loraX')}
          ${loadProjectionTile('loraP', this.projectionTransposed, rank)}
          workgroupBarrier();
          for (var k = 0; k < ${TILE}; k++) {
            ${readProjectionRow(rank)}
            for (var i = 0; i < 4; i++) {
              let xv = xTile[(ty * 4 + i) * ${TILE} + k];
              ${accumulateLowRank(rank)}
            }
          }
          workgroupBarrier();
        }
        ${forEachLowRankEntry(rank, `if (row0 + r < rows) { result[(row0 + r) * ${rank} + j] = uniforms.scale * uAcc[i][c]; }`)}
      }`;
  }
}
