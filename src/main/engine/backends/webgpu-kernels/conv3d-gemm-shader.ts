/**
 * The tiled implicit-GEMM WGSL program shared by the three Conv3D kernels (forward, grad input,
 * grad filter): C[M, N] = A[M, K] x B[K, N] where A and B are never materialised; each kernel
 * supplies WGSL loaders that gather A and B from the tensors (im2col index arithmetic), four
 * consecutive elements at a time along the operand's contiguous axis (one vec4 load when the
 * channel count is a multiple of 4, four bounds-checked scalar loads otherwise).
 *
 * Tiling: 256 threads (16 x 16) per workgroup, each computing 4 x TN outputs strided by 16 (so
 * the threads of a row read consecutive shared-memory words and write consecutive output
 * columns); K is walked 16 at a time through workgroup memory (a 64 x 16 A tile is one quad per
 * thread, so loads are balanced). The output tile is 64 x 64 when N > 32 (4 x 4 per thread: 16
 * FMAs per 8 shared-memory reads), 64 x 32 or 64 x 16 for the narrow N of few-channel
 * convolutions (Cout = 1..32), so those do not waste most of a 64-wide tile; every A element is
 * still reused across the whole N tile. A taller M tile would only reuse B (small, cached) more
 * and made lavapipe's shader compile markedly slower. 16 x (64 + 64) floats of shared memory at
 * most (8 KiB), half of WebGPU's guaranteed 16 KiB, so several workgroups fit per GPU core.
 *
 * Split-K: the workgroups of a dispatch are (tile of M) x (tile of N) x (K chunk); with more than
 * one K chunk each writes its partial tile to [splits, M, N] and `SplitKReduceProgram` sums them.
 * All geometry is in uniforms (one pipeline per tile shape / vec4 choice / direction), and the
 * 1-D workgroup count is folded into x and y so no dimension exceeds 65,535 workgroups.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { BugError } from '../../../../shared/errors';
import { F16_HELPERS, kernelPrecision, type KernelPrecision } from './kernel-precision';

export const K_TILE = 16;
const THREADS = 256;
/** WebGPU's default (and lavapipe's, and every desktop GPU's) maxComputeWorkgroupsPerDimension. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65_535;

export interface GemmTile {
  tileM: 64;
  tileN: 16 | 32 | 64;
}

/** The output tile for N output columns (see the file comment). */
export function chooseTile(columns: number): GemmTile {
  if (columns > 32) return { tileM: 64, tileN: 64 };
  if (columns > 16) return { tileM: 64, tileN: 32 };
  return { tileM: 64, tileN: 16 };
}

/**
 * Direction-specific WGSL: `fixA(m) -> vec4<i32>` (what a thread can precompute once for the A
 * row or column it always loads), `loadA4(f, m, k) -> vec4<f32>` (A[m, k..k+3] when aAlong is
 * 'k', A[m..m+3, k] when 'm'), and likewise `fixB(n)` and `loadB4(f, k, n)` (B[k, n..n+3] when
 * bAlong is 'n', B[k..k+3, n] when 'k'). Loaders return 0 outside the matrix.
 */
export interface GemmLoaders {
  aAlong: 'k' | 'm';
  bAlong: 'n' | 'k';
  wgsl: string;
  /** WGSL `fn outRow(m : i32) -> i32`: the output row GEMM row m is stored to (default: m) */
  outRow?: string;
}

export interface GemmGeometry {
  /** rows, columns and reduction length of the GEMM */
  m: number;
  n: number;
  k: number;
  /** [D, H, W, C] of the convolution's input volume x (or dx) */
  volume: readonly [number, number, number, number];
  /** [D', H', W', C'] of its output y (or dy) */
  output: readonly [number, number, number, number];
  filter: readonly [number, number, number];
  strides: readonly [number, number, number];
  /** front, top, left */
  pads: readonly [number, number, number];
  dilations: readonly [number, number, number];
  /** grad input's stride phase (see conv3d-grad-input-program.ts); zeros elsewhere */
  phase?: StridePhase;
}

/** One residue class of input voxels under a strided convolution, per axis (d, h, w). */
export interface StridePhase {
  /** (index + pad) % stride of the class's voxels, = the first filter tap that reaches them */
  residue: readonly [number, number, number];
  /** first voxel of the class */
  start: readonly [number, number, number];
  /** voxels of the class */
  rows: readonly [number, number, number];
  /** filter taps that reach them: residue, residue + stride, ... */
  taps: readonly [number, number, number];
}

export interface SplitPlan {
  tilesM: number;
  tilesN: number;
  splits: number;
  kTilesPerSplit: number;
}

/**
 * K chunks so that about `targetWorkgroups` workgroups run (enough to fill a large GPU), each
 * chunk at least `minKTiles` K tiles long so a partial tile's write is amortised over real work.
 * A target of 0 means one chunk (no split).
 */
export function planSplits(
  m: number,
  n: number,
  k: number,
  tile: GemmTile,
  targetWorkgroups = 1024,
  minKTiles = 16,
): SplitPlan {
  const tilesM = Math.ceil(m / tile.tileM);
  const tilesN = Math.ceil(n / tile.tileN);
  const kTiles = Math.max(1, Math.ceil(k / K_TILE));
  const wanted = Math.ceil(targetWorkgroups / Math.max(1, tilesM * tilesN));
  const splitsWanted = Math.max(1, Math.min(wanted, Math.floor(kTiles / minKTiles), 512));
  const kTilesPerSplit = Math.ceil(kTiles / splitsWanted);
  return { tilesM, tilesN, splits: Math.ceil(kTiles / kTilesPerSplit), kTilesPerSplit };
}

/** A 1-D count of workgroups as an x * y grid with x, y <= limit (the shader drops the excess). */
export function foldWorkgroups(count: number, limit = MAX_WORKGROUPS_PER_DIMENSION): [number, number, number] {
  if (count <= limit) return [Math.max(1, count), 1, 1];
  const y = Math.ceil(count / limit);
  if (y > limit) throw new BugError(`a convolution needs ${count} workgroups, more than ${limit} x ${limit}`);
  return [Math.ceil(count / y), y, 1];
}

const GEMM_UNIFORMS =
  'gemm : vec4<i32>, grid : vec4<i32>, vol : vec4<i32>, outDims : vec4<i32>, filt : vec4<i32>, ' +
  'stride : vec4<i32>, pad : vec4<i32>, dil : vec4<i32>, ' +
  'phase : vec4<i32>, phaseStart : vec4<i32>, phaseRows : vec4<i32>, phaseTaps : vec4<i32>,';

type Uniform = { type: 'int32'; data: number[] };

export function gemmUniforms(g: GemmGeometry, plan: SplitPlan): Uniform[] {
  const v4 = (values: readonly number[]): Uniform => ({
    type: 'int32',
    data: [values[0] ?? 0, values[1] ?? 0, values[2] ?? 0, values[3] ?? 0],
  });
  return [
    v4([g.m, g.n, g.k, 0]),
    v4([plan.tilesM, plan.tilesN, plan.splits, plan.kTilesPerSplit]),
    v4(g.volume),
    v4(g.output),
    v4(g.filter),
    v4(g.strides),
    v4(g.pads),
    v4(g.dilations),
    v4(g.phase?.residue ?? []),
    v4(g.phase?.start ?? []),
    v4(g.phase?.rows ?? []),
    v4(g.phase?.taps ?? []),
  ];
}

/** Helpers every loader may use: index into the input or output volume, -1 outside it. */
const VOLUME_HELPERS = `
fn volIndex(b : i32, d : i32, h : i32, w : i32, c : i32) -> i32 {
  let v = uniforms.vol;
  if (d < 0 || d >= v.x || h < 0 || h >= v.y || w < 0 || w >= v.z) { return -1; }
  return (((b * v.x + d) * v.y + h) * v.z + w) * v.w + c;
}
fn outIndex(b : i32, d : i32, h : i32, w : i32, c : i32) -> i32 {
  let o = uniforms.outDims;
  if (d < 0 || d >= o.x || h < 0 || h >= o.y || w < 0 || w >= o.z) { return -1; }
  return (((b * o.x + d) * o.y + h) * o.z + w) * o.w + c;
}
/** Filter tap index (fd * kh + fh) * kw + fw -> (fd, fh, fw). */
fn tapOf(tap : i32) -> vec3<i32> {
  let f = uniforms.filt;
  let r = tap / f.z;
  return vec3<i32>(r / f.y, r % f.y, tap % f.z);
}
`;

/** Row-major [K, N] B (the forward filter, grad filter's dy): a quad along n. */
export function rowMajorB(buffer: string, vec4: boolean): string {
  const body = vec4
    ? `if (k >= uniforms.gemm.z || n >= uniforms.gemm.y) { return vec4<f32>(0.0); }
  return ${buffer}[(k * uniforms.gemm.y + n) / 4];`
    : `var v = vec4<f32>(0.0);
  if (k >= uniforms.gemm.z) { return v; }
  for (var e = 0; e < 4; e++) {
    if (n + e < uniforms.gemm.y) { v[e] = ${buffer}[k * uniforms.gemm.y + n + e]; }
  }
  return v;`;
  return `
fn fixB(n : i32) -> vec4<i32> { return vec4<i32>(0); }
fn loadB4(f : vec4<i32>, k : i32, n : i32) -> vec4<f32> {
  ${body}
}`;
}

function unrolled(count: number, line: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => line(i)).join('\n    ');
}

/** WGSL vector type of `n` lanes (a scalar for 1). */
function vector(n: number, scalar: 'f32' | 'f16'): string {
  return n === 1 ? scalar : `vec${n}<${scalar}>`;
}

/**
 * The K-tile loop's multiply-adds and the accumulator declarations. float32: each thread keeps a
 * 4 x tn array of f32 sums. f16 (kernel-precision.ts): tiles hold f16; per K tile each of the
 * thread's 4 rows accumulates a tn-lane f16 vector (one packed fma per row and k), which is then
 * added into the row's f32 vector.
 */
function multiplyAdds(tm: number, tn: number, tileM: number, tileN: number, precision: KernelPrecision) {
  if (precision === 'float32') {
    return {
      declare: unrolled(tm, (i) => `var acc${i} : array<f32, ${tn}>;`),
      tileLoop: `for (var kk = 0; kk < ${K_TILE}; kk++) {
      ${unrolled(tn, (j) => `let b${j} = tileB[kk * ${tileN} + tx + ${16 * j}];`)}
      ${unrolled(
        tm,
        (i) =>
          `{ let a = tileA[kk * ${tileM} + ty + ${16 * i}]; ${Array.from({ length: tn }, (_, j) => `acc${i}[${j}] = fma(a, b${j}, acc${i}[${j}]);`).join(' ')} }`,
      )}
    }`,
      result: (i: number, j: number) => `acc${i}[${j}]`,
    };
  }
  const half = vector(tn, 'f16');
  const single = vector(tn, 'f32');
  const lanes = Array.from({ length: tn }, (_, j) => `tileB[kk * ${tileN} + tx + ${16 * j}]`).join(', ');
  return {
    declare: unrolled(tm, (i) => `var acc${i} = ${single}(0.0);`),
    tileLoop: `${unrolled(tm, (i) => `var part${i} = ${half}(0.0);`)}
    for (var kk = 0; kk < ${K_TILE}; kk++) {
      let b = ${half}(${lanes});
      ${unrolled(tm, (i) => `part${i} = fma(${half}(tileA[kk * ${tileM} + ty + ${16 * i}]), b, part${i});`)}
    }
    ${unrolled(tm, (i) => `acc${i} += ${single}(part${i});`)}`,
    result: (i: number, j: number) =>
      `select(${tn === 1 ? `acc${i}` : `acc${i}[${j}]`}, uniforms.INFINITY, overflowed)`,
  };
}

/** The kernel's WGSL `main` (tfjs adds the bindings, uniforms struct and entry point). */
export function gemmShader(tile: GemmTile, loaders: GemmLoaders, precision: KernelPrecision = 'float32'): string {
  const { tileM, tileN } = tile;
  const tm = tileM / 16;
  const tn = tileN / 16;
  const aQuads = (tileM * K_TILE) / 4;
  const bQuads = (tileN * K_TILE) / 4;
  const aLoads = Math.ceil(aQuads / THREADS);
  const bLoads = Math.ceil(bQuads / THREADS);
  // Where the quad q = t + 256 i of each operand lies in its tile: (row, k) offsets.
  const aOffset = (q: string) =>
    loaders.aAlong === 'k'
      ? `vec2<i32>(${q} / 4, (${q} % 4) * 4)`
      : `vec2<i32>((${q} % ${tileM / 4}) * 4, ${q} / ${tileM / 4})`;
  const aStore =
    loaders.aAlong === 'k'
      ? (e: number) => `tileA[(o.y + ${e}) * ${tileM} + o.x] = v[${e}];`
      : (e: number) => `tileA[o.y * ${tileM} + o.x + ${e}] = v[${e}];`;
  const bOffset = (q: string) =>
    loaders.bAlong === 'n'
      ? `vec2<i32>((${q} % ${tileN / 4}) * 4, ${q} / ${tileN / 4})`
      : `vec2<i32>(${q} / 4, (${q} % 4) * 4)`;
  const bStore =
    loaders.bAlong === 'n'
      ? (e: number) => `tileB[o.y * ${tileN} + o.x + ${e}] = v[${e}];`
      : (e: number) => `tileB[(o.y + ${e}) * ${tileN} + o.x] = v[${e}];`;
  const loadPhase = (name: 'A' | 'B', loads: number, quads: number, store: (e: number) => string, call: string) =>
    unrolled(
      loads,
      (i) => `{
      let q = t + ${i * THREADS};
      if (q < ${quads}) {
        let o = off${name}${i};
        let v = ${precision === 'f16' ? `half4(${call.replace('$F', `fix${name}${i}`)})` : call.replace('$F', `fix${name}${i}`)};
        ${unrolled(4, store)}
      }
    }`,
    );
  const math = multiplyAdds(tm, tn, tileM, tileN, precision);
  const scalar = precision === 'f16' ? 'f16' : 'f32';
  return `
${precision === 'f16' ? F16_HELPERS : ''}
${VOLUME_HELPERS}
${loaders.wgsl}
${loaders.outRow ?? 'fn outRow(m : i32) -> i32 { return m; }'}

var<workgroup> tileA : array<${scalar}, ${K_TILE * tileM}>;
var<workgroup> tileB : array<${scalar}, ${K_TILE * tileN}>;

fn main(flatIndex : i32) {
  let t = i32(localIndex);
  let tx = t % 16;
  let ty = t / 16;
  let linear = i32(workgroupId.y * numWorkgroups.x + workgroupId.x);
  let tm = linear % uniforms.grid.x;
  let rest = linear / uniforms.grid.x;
  let tn = rest % uniforms.grid.y;
  let split = rest / uniforms.grid.y;
  let m0 = tm * ${tileM};
  let n0 = tn * ${tileN};
  let kBegin = split * uniforms.grid.w * ${K_TILE};

  ${unrolled(aLoads, (i) => `let qa${i} = t + ${i * THREADS}; let offA${i} = ${aOffset(`qa${i}`)}; let fixA${i} = fixA(m0 + offA${i}.x);`)}
  ${unrolled(bLoads, (i) => `let qb${i} = t + ${i * THREADS}; let offB${i} = ${bOffset(`qb${i}`)}; let fixB${i} = fixB(n0 + offB${i}.x);`)}

  ${math.declare}

  for (var kt = 0; kt < uniforms.grid.w; kt++) {
    let k0 = kBegin + kt * ${K_TILE};
    ${loadPhase('A', aLoads, aQuads, aStore, 'loadA4($F, m0 + o.x, k0 + o.y)')}
    ${loadPhase('B', bLoads, bQuads, bStore, 'loadB4($F, k0 + o.y, n0 + o.x)')}
    workgroupBarrier();
    ${math.tileLoop}
    workgroupBarrier();
  }

  ${precision === 'f16' ? 'let overflowed = tileOverflowed();' : ''}
  if (split < uniforms.grid.z) {
    let rows = uniforms.gemm.x;
    let cols = uniforms.gemm.y;
    ${unrolled(
      tm,
      (i) => `{
      let m = m0 + ty + ${16 * i};
      if (m < rows) {
        let row = (split * rows + outRow(m)) * cols + n0 + tx;
        ${unrolled(tn, (j) => `if (n0 + tx + ${16 * j} < cols) { result[row + ${16 * j}] = ${math.result(i, j)}; }`)}
      }
    }`,
    )}
  }
}
`;
}

/** One implicit-GEMM dispatch; its output is [splits * M * N] (row-major [splits, M, N]). */
export class Conv3dGemmProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  variableComponents: number[];
  workgroupSize: [number, number, number] = [16, 16, 1];
  uniforms = GEMM_UNIFORMS;
  private readonly tile: GemmTile;
  private readonly loaders: GemmLoaders;
  private readonly precision: KernelPrecision;

  constructor(options: {
    key: string;
    variableNames: [string, string];
    vec4: [boolean, boolean];
    tile: GemmTile;
    plan: SplitPlan;
    loaders: GemmLoaders;
    /** rows and columns of the output buffer (more rows than the GEMM's when outRow maps) */
    rows: number;
    cols: number;
    maxWorkgroupsPerDimension?: number;
    /** default: the current kernelPrecision() */
    precision?: KernelPrecision;
  }) {
    const { tile, plan } = options;
    this.tile = tile;
    this.loaders = options.loaders;
    this.precision = options.precision ?? kernelPrecision();
    this.variableNames = options.variableNames;
    this.variableComponents = options.vec4.map((v) => (v ? 4 : 1));
    this.outputShape = [plan.splits * options.rows * options.cols];
    this.dispatch = foldWorkgroups(
      plan.tilesM * plan.tilesN * plan.splits,
      options.maxWorkgroupsPerDimension ?? MAX_WORKGROUPS_PER_DIMENSION,
    );
    this.shaderKey = `conv3dGemm_${options.key}_${tile.tileM}x${tile.tileN}_${options.vec4.map((v) => (v ? 4 : 1)).join('')}_${this.precision}`;
  }

  getUserCode(): string {
    return gemmShader(this.tile, this.loaders, this.precision);
  }
}

/** Sums the [splits, size] partials of a split-K GEMM into [size]. */
export class SplitKReduceProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = 'conv3dGemm_splitKReduce';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames = ['partials'];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];
  uniforms = 'reduce : vec4<i32>,';

  constructor(size: number, maxWorkgroupsPerDimension = MAX_WORKGROUPS_PER_DIMENSION) {
    this.outputShape = [size];
    this.dispatch = foldWorkgroups(Math.ceil(size / THREADS), maxWorkgroupsPerDimension);
  }

  static uniforms(size: number, splits: number): Uniform[] {
    return [{ type: 'int32', data: [size, splits, 0, 0] }];
  }

  getUserCode(): string {
    return `
fn main(flatIndex : i32) {
  let i = i32((workgroupId.y * numWorkgroups.x + workgroupId.x) * ${THREADS}u + localIndex);
  let size = uniforms.reduce.x;
  if (i < size) {
    var sum = 0.0;
    for (var s = 0; s < uniforms.reduce.y; s++) { sum += partials[s * size + i]; }
    result[i] = sum;
  }
}
`;
  }
}
