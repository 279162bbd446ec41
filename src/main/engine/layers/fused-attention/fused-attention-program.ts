/**
 * The WGSL program behind fusedAttention on WebGPU (tfjs-backend-webgpu's WebGPUProgram interface).
 * One workgroup of QUERY_BLOCK threads handles one (batch·head, block of query rows); each thread
 * owns one query row. Keys and values stream through workgroup memory a tile of KEY_TILE rows at a
 * time, and each thread keeps the flash (online-softmax) running max m, running sum l and its
 * output accumulator, so the forward writes no [Tq, Tk] matrix. Three modes share the score code:
 *
 *  - 'output': O = softmax(S) V, written as [B, H, Tq, dh] (the forward).
 *  - 'probabilities': P = softmax(S), written as [B, H, Tq, Tk] (backward only): a first sweep
 *    over the key tiles finds each row's max and sum, a second writes exp(s - m) / l.
 *  - 'scoreGradient': c · dS with dS = P ∘ (dO Vᵀ - rowsum(dO ∘ O)), written as [B, H, Tq, Tk]
 *    (backward only), the same two sweeps plus V tiles, dO and O rows; c is the outputScale
 *    uniform (the attention scale when no bias needs dS itself, saving two multiplies).
 * The backward recomputes the row statistics in those two programs instead of reading a saved
 * log-sum-exp L: a tfjs program has one output, and this keeps the forward at one dispatch.
 *
 * S = scale · q kᵀ (+ bias) (+ (1 - keep) · MASKED_SCORE), in that order and in float32, which is
 * what the composite (composite-attention.ts) computes, so padded keys get the same -1e9 treatment,
 * fully padded rows included. Workgroup memory stays within WebGPU's guaranteed 16 KiB:
 * key tile · dh · 2 floats ≤ 4096. Grids over 65,535 workgroups are folded into y. Scalar, not
 * vec4, code: on lavapipe (cold shader cache) a vec4 variant took 8-26 s per pipeline to compile
 * at dh 64 against 0.2-1.4 s for this one; this one is slow at dh 32 instead (5-18 s), where
 * LLVM fully unrolls its 32-step loops.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { BugError } from '../../../../shared/errors';
import { MASKED_SCORE } from '../attention-mask';

export type FusedAttentionMode = 'output' | 'probabilities' | 'scoreGradient';

/** Query rows per workgroup (one thread each). */
export const QUERY_BLOCK = 64;
/** Largest head size the program takes (private accumulators are sized by it). */
export const MAX_HEAD_DIM = 128;
const MAX_WORKGROUPS_PER_DIM = 65535;
/** Floats of K (and as many of V) one tile may hold: 2 · 2048 · 4 B = 16 KiB. */
const TILE_FLOATS = 2048;

/** Keys per shared-memory tile for head size dh. */
export function keyTileFor(headDim: number): number {
  return Math.max(1, Math.min(64, Math.floor(TILE_FLOATS / headDim)));
}

export interface FusedAttentionShape {
  batch: number;
  heads: number;
  queryTokens: number;
  keyTokens: number;
  headDim: number;
}

export interface FusedAttentionFlags {
  mode: FusedAttentionMode;
  hasMask: boolean;
  /** 0: no bias, 3: [H, Tq, Tk], 4: [B, H, Tq, Tk]. */
  biasRank: 0 | 3 | 4;
}

/** Inputs in binding order: q, k, then v (not for P), dy and o (dS only), keyMask, scoreBias. */
export function programInputNames(flags: FusedAttentionFlags): string[] {
  // Only buffers the shader reads may be bound ('auto' layouts drop unused ones).
  const names =
    flags.mode === 'output'
      ? ['q', 'k', 'v']
      : flags.mode === 'probabilities'
        ? ['q', 'k']
        : ['q', 'k', 'v', 'dy', 'o'];
  if (flags.hasMask) names.push('keyMask');
  if (flags.biasRank !== 0) names.push('scoreBias');
  return names;
}

export class FusedAttentionProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  /** scale multiplies q·k; outputScale multiplies what 'scoreGradient' writes (1 elsewhere). */
  uniforms = 'scale : f32, outputScale : f32,';
  workgroupSize: [number, number, number] = [QUERY_BLOCK, 1, 1];
  private readonly keyTile: number;

  constructor(
    readonly shape: FusedAttentionShape,
    readonly flags: FusedAttentionFlags,
  ) {
    const { batch, heads, queryTokens, keyTokens, headDim } = shape;
    if (headDim < 1 || headDim > MAX_HEAD_DIM || !Number.isInteger(headDim)) {
      throw new BugError(`Fused attention takes head sizes 1..${MAX_HEAD_DIM}, got ${headDim}.`);
    }
    this.keyTile = keyTileFor(headDim);
    this.outputShape =
      flags.mode === 'output' ? [batch, heads, queryTokens, headDim] : [batch, heads, queryTokens, keyTokens];
    this.variableNames = programInputNames(flags);
    // A rank-2 layout that does not match the output rank: tfjs then generates no getOutputCoords
    // and calls main() without an index; this program computes its own coordinates.
    this.dispatchLayout = { x: [0], y: [1] };
    const workgroups = batch * heads * Math.ceil(queryTokens / QUERY_BLOCK);
    const x = Math.min(workgroups, MAX_WORKGROUPS_PER_DIM);
    const y = Math.ceil(workgroups / x);
    if (y > MAX_WORKGROUPS_PER_DIM)
      throw new BugError(`Fused attention grid of ${workgroups} workgroups is too large.`);
    this.dispatch = [x, y, 1];
    this.shaderKey = `fusedAttention_${flags.mode}_${headDim}_${this.keyTile}_${flags.hasMask}_${flags.biasRank}`;
  }

  getUserCode(): string {
    const { mode } = this.flags;
    const dh = this.shape.headDim;
    const tile = this.keyTile;
    const withValues = mode !== 'probabilities';
    return `
      var<workgroup> kTile : array<f32, ${tile * dh}>;
      ${withValues ? `var<workgroup> vTile : array<f32, ${tile * dh}>;` : ''}
      var<private> qRow : array<f32, ${dh}>;
      ${this.scoreFunction()}

      fn main() {
        let batch = uniforms.qShape.x;
        let heads = uniforms.qShape.y;
        let tokens = uniforms.qShape.z;
        let keys = uniforms.kShape.z;
        let blocks = (tokens + ${QUERY_BLOCK - 1}) / ${QUERY_BLOCK};
        let group = i32(workgroupId.y * numWorkgroups.x + workgroupId.x);
        let bh = group / blocks;
        let row = (group % blocks) * ${QUERY_BLOCK} + i32(localId.x);
        let b = bh / heads;
        let h = bh % heads;
        let inRange = bh < batch * heads && row < tokens;
        let rowBase = (bh * tokens + row) * ${dh};
        if (inRange) {
          for (var d = 0; d < ${dh}; d++) { qRow[d] = q[rowBase + d]; }
        }
        var m = -3.0e38;
        var l = 0.0;
        let tiles = (keys + ${tile - 1}) / ${tile};
        ${mode === 'output' ? this.outputBody() : `${this.rowStatistics()}${this.matrixBody()}`}
      }`;
  }

  /** s for key row j of the tile (global key index `key`) and this thread's query row. */
  private scoreFunction(): string {
    const { hasMask, biasRank } = this.flags;
    const dh = this.shape.headDim;
    const biasRow = biasRank === 3 ? '(h * tokens + row) * keys' : '(bh * tokens + row) * keys';
    return `
      fn score(j : i32, key : i32, b : i32, h : i32, bh : i32, row : i32, tokens : i32, keys : i32) -> f32 {
        var dotValue = 0.0;
        for (var d = 0; d < ${dh}; d++) {
          dotValue = dotValue + qRow[d] * kTile[j * ${dh} + d];
        }
        var s = dotValue * uniforms.scale;
        ${biasRank !== 0 ? `s = s + f32(scoreBias[${biasRow} + key]);` : ''}
        ${hasMask ? `s = s + (1.0 - f32(keyMask[b * keys + key])) * ${wgslFloat(MASKED_SCORE)};` : ''}
        return s;
      }`;
  }

  /** Loads key tile t (and its values) into workgroup memory, zero past the last key. */
  private loadTile(withValues: boolean): string {
    const dh = this.shape.headDim;
    const tile = this.keyTile;
    return `
        for (var e = i32(localId.x); e < ${tile * dh}; e = e + ${QUERY_BLOCK}) {
          let key = t * ${tile} + e / ${dh};
          var kValue = 0.0;
          ${withValues ? 'var vValue = 0.0;' : ''}
          if (bh < heads * batch && key < keys) {
            let index = (bh * keys + key) * ${dh} + e % ${dh};
            kValue = k[index];
            ${withValues ? 'vValue = v[index];' : ''}
          }
          kTile[e] = kValue;
          ${withValues ? 'vTile[e] = vValue;' : ''}
        }
        workgroupBarrier();`;
  }

  /**
   * One sweep: online softmax with the output accumulator (rescaled only when the running max
   * grows), then O = acc / l.
   */
  private outputBody(): string {
    const dh = this.shape.headDim;
    const tile = this.keyTile;
    return `
      var acc : array<f32, ${dh}>;
      for (var d = 0; d < ${dh}; d++) { acc[d] = 0.0; }
      for (var t = 0; t < tiles; t++) {
        ${this.loadTile(true)}
        let count = min(${tile}, keys - t * ${tile});
        if (inRange) {
          for (var j = 0; j < count; j++) {
            let s = score(j, t * ${tile} + j, b, h, bh, row, tokens, keys);
            if (s > m) {
              let correction = exp(m - s);
              l = l * correction;
              for (var d = 0; d < ${dh}; d++) { acc[d] = acc[d] * correction; }
              m = s;
            }
            let p = exp(s - m);
            l = l + p;
            for (var d = 0; d < ${dh}; d++) { acc[d] = acc[d] + p * vTile[j * ${dh} + d]; }
          }
        }
        workgroupBarrier();
      }
      if (inRange) {
        for (var d = 0; d < ${dh}; d++) { result[rowBase + d] = acc[d] / l; }
      }`;
  }

  /** First sweep of the matrix modes: the row's softmax max m and sum l. */
  private rowStatistics(): string {
    const tile = this.keyTile;
    return `
      for (var t = 0; t < tiles; t++) {
        ${this.loadTile(false)}
        let count = min(${tile}, keys - t * ${tile});
        if (inRange) {
          for (var j = 0; j < count; j++) {
            let s = score(j, t * ${tile} + j, b, h, bh, row, tokens, keys);
            if (s > m) {
              l = l * exp(m - s);
              m = s;
            }
            l = l + exp(s - m);
          }
        }
        workgroupBarrier();
      }`;
  }

  /** Second sweep: P = exp(s - m) / l, or dS = P ∘ (dO·v - rowsum(dO ∘ O)). */
  private matrixBody(): string {
    const dh = this.shape.headDim;
    const tile = this.keyTile;
    const gradient = this.flags.mode === 'scoreGradient';
    const prologue = gradient
      ? `
      var dyRow : array<f32, ${dh}>;
      var rowDot = 0.0;
      if (inRange) {
        for (var d = 0; d < ${dh}; d++) {
          dyRow[d] = dy[rowBase + d];
          rowDot = rowDot + dyRow[d] * o[rowBase + d];
        }
      }`
      : '';
    const value = gradient
      ? `
            var dp = 0.0;
            for (var d = 0; d < ${dh}; d++) { dp = dp + dyRow[d] * vTile[j * ${dh} + d]; }
            result[base + j] = p * (dp - rowDot) * uniforms.outputScale;`
      : `
            result[base + j] = p;`;
    return `${prologue}
      for (var t = 0; t < tiles; t++) {
        ${this.loadTile(gradient)}
        let count = min(${tile}, keys - t * ${tile});
        if (inRange) {
          let base = (bh * tokens + row) * keys + t * ${tile};
          for (var j = 0; j < count; j++) {
            let p = exp(score(j, t * ${tile} + j, b, h, bh, row, tokens, keys) - m) / l;${value}
          }
        }
        workgroupBarrier();
      }`;
  }
}

function wgslFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : `${value}`;
}
