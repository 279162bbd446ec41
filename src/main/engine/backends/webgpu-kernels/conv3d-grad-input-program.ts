/**
 * Conv3DBackpropInputV2 as implicit GEMMs, one per stride phase. dx[voxel, ci] sums
 * dy[od, co] * filter[tap, ci, co] over the taps with od * stride - pad + tap = voxel, so only
 * taps with tap = (voxel + pad) mod stride (per axis) contribute. The input voxels are split into
 * those residue classes (stride_d * stride_h * stride_w phases, one for stride 1): within one,
 * every voxel uses the same taps (residue, residue + stride, ...) and dy index
 * c + i - j for voxel i and tap j of the class, so each phase is a dense GEMM
 * dx_phase[M = N * its voxels, Cin] = A[M, K] x B[K, Cin] with K = its taps * Cout, and no work
 * is spent on taps the stride skips (7/8 of them for stride 2 in 3-D). A[(i), (j, co)] is gathered
 * from dy (zero past its edges); B[(j, co), ci] = filter[tap(j), ci, co], the filter transposed
 * per tap, read contiguously along co (so B is loaded along k). Each phase's rows are stored to
 * their voxels of the one output buffer (`outRow`); phases without voxels are skipped, phases
 * without taps write zeros.
 */
import type { tf } from '../../tf';
import {
  chooseTile,
  Conv3dGemmProgram,
  gemmUniforms,
  planSplits,
  type GemmGeometry,
  type GemmLoaders,
  type SplitPlan,
  type StridePhase,
} from './conv3d-gemm-shader';

type Conv3DInfo = tf.backend_util.Conv3DInfo;
type Triple = readonly [number, number, number];

const DECOMPOSE_ROW = `
  let pr = uniforms.phaseRows;
  let r1 = m / pr.z;
  let r2 = r1 / pr.y;
  let b = r2 / pr.x;
  let i = vec3<i32>(r2 % pr.x, r1 % pr.y, m % pr.z);`;

function gradInputLoaders(vec4Dy: boolean, vec4W: boolean): GemmLoaders {
  const loadA = vec4Dy
    ? `let i = dyIndex(f, k);
  if (i < 0) { return vec4<f32>(0.0); }
  return dy[i / 4];`
    : `var v = vec4<f32>(0.0);
  for (var e = 0; e < 4; e++) {
    let i = dyIndex(f, k + e);
    if (i >= 0) { v[e] = dy[i]; }
  }
  return v;`;
  const loadB = vec4W
    ? `let i = wIndex(k, n);
  if (i < 0) { return vec4<f32>(0.0); }
  return W[i / 4];`
    : `var v = vec4<f32>(0.0);
  for (var e = 0; e < 4; e++) {
    let i = wIndex(k + e, n);
    if (i >= 0) { v[e] = W[i]; }
  }
  return v;`;
  return {
    aAlong: 'k',
    bAlong: 'k',
    wgsl: `
/** Tap (jd, jh, jw) of this phase's K index. */
fn phaseTap(t : i32) -> vec3<i32> {
  let f = uniforms.phaseTaps;
  let r = t / f.z;
  return vec3<i32>(r / f.y, r % f.y, t % f.z);
}
/** (batch, dy index of row m's voxel for tap 0 of the phase) or batch -1 past the last row. */
fn fixA(m : i32) -> vec4<i32> {
  if (m >= uniforms.gemm.x) { return vec4<i32>(-1, 0, 0, 0); }
  ${DECOMPOSE_ROW}
  let c = (uniforms.phaseStart.xyz + uniforms.pad.xyz - uniforms.phase.xyz) / uniforms.stride.xyz;
  return vec4<i32>(b, c + i);
}
fn dyIndex(f : vec4<i32>, k : i32) -> i32 {
  if (f.x < 0 || k >= uniforms.gemm.z) { return -1; }
  let cout = uniforms.outDims.w;
  let j = phaseTap(k / cout);
  return outIndex(f.x, f.y - j.x, f.z - j.y, f.w - j.z, k % cout);
}
fn loadA4(f : vec4<i32>, m : i32, k : i32) -> vec4<f32> {
  ${loadA}
}
fn wIndex(k : i32, n : i32) -> i32 {
  if (k >= uniforms.gemm.z || n >= uniforms.gemm.y) { return -1; }
  let cout = uniforms.outDims.w;
  let fd = uniforms.phase.xyz + uniforms.stride.xyz * phaseTap(k / cout);
  let tap = (fd.x * uniforms.filt.y + fd.y) * uniforms.filt.z + fd.z;
  return (tap * uniforms.vol.w + n) * cout + k % cout;
}
fn fixB(n : i32) -> vec4<i32> { return vec4<i32>(0); }
fn loadB4(f : vec4<i32>, k : i32, n : i32) -> vec4<f32> {
  ${loadB}
}
`,
    outRow: `
fn outRow(m : i32) -> i32 {
  ${DECOMPOSE_ROW}
  let v = uniforms.vol;
  let d = uniforms.phaseStart.xyz + uniforms.stride.xyz * i;
  return ((b * v.x + d.x) * v.y + d.y) * v.z + d.z;
}`,
  };
}

/** Every residue class of one axis: its first voxel, voxel count and tap count. */
function axisPhases(size: number, kernel: number, stride: number, pad: number) {
  return Array.from({ length: stride }, (_, residue) => {
    const start = (((residue - pad) % stride) + stride) % stride;
    return {
      residue,
      start,
      rows: start < size ? Math.ceil((size - start) / stride) : 0,
      taps: residue < kernel ? Math.ceil((kernel - residue) / stride) : 0,
    };
  });
}

export function stridePhases(volume: Triple, kernel: Triple, strides: Triple, pads: Triple): StridePhase[] {
  const [pd, ph, pw] = [0, 1, 2].map((a) => axisPhases(volume[a] ?? 1, kernel[a] ?? 1, strides[a] ?? 1, pads[a] ?? 0));
  const phases: StridePhase[] = [];
  for (const d of pd ?? [])
    for (const h of ph ?? [])
      for (const w of pw ?? [])
        phases.push({
          residue: [d.residue, h.residue, w.residue],
          start: [d.start, h.start, w.start],
          rows: [d.rows, h.rows, w.rows],
          taps: [d.taps, h.taps, w.taps],
        });
  return phases;
}

export interface GradInputGemm {
  program: Conv3dGemmProgram;
  plan: SplitPlan;
  geometry: GemmGeometry;
  uniforms: ReturnType<typeof gemmUniforms>;
}

/**
 * One GEMM per stride phase that has voxels, all writing [N * D * H * W, Cin]. With a single
 * phase (stride 1) K may be split (then the output is [splits, M, Cin] partials to sum).
 */
export function conv3dGradInputGemms(info: Conv3DInfo, maxWorkgroupsPerDimension?: number): GradInputGemm[] {
  const volume: Triple = [info.inDepth, info.inHeight, info.inWidth];
  const filter: Triple = [info.filterDepth, info.filterHeight, info.filterWidth];
  const strides: Triple = [info.strideDepth, info.strideHeight, info.strideWidth];
  const pads: Triple = [info.padInfo.front, info.padInfo.top, info.padInfo.left];
  const phases = stridePhases(volume, filter, strides, pads).filter((p) => p.rows.every((r) => r > 0));
  const tile = chooseTile(info.inChannels);
  const vec4Cout = info.outChannels % 4 === 0;
  const vec4: [boolean, boolean] = [vec4Cout, vec4Cout];
  const loaders = gradInputLoaders(vec4Cout, vec4Cout);
  const voxels = info.batchSize * info.inDepth * info.inHeight * info.inWidth;
  return phases.map((phase) => {
    const geometry: GemmGeometry = {
      m: info.batchSize * phase.rows[0] * phase.rows[1] * phase.rows[2],
      n: info.inChannels,
      k: phase.taps[0] * phase.taps[1] * phase.taps[2] * info.outChannels,
      volume: [...volume, info.inChannels],
      output: [info.outDepth, info.outHeight, info.outWidth, info.outChannels],
      filter,
      strides,
      pads,
      dilations: [1, 1, 1],
      phase,
    };
    // Phases share the output buffer, so only a lone phase may write split-K partials.
    const plan = planSplits(geometry.m, geometry.n, geometry.k, tile, phases.length === 1 ? undefined : 0);
    const program = new Conv3dGemmProgram({
      key: 'gradInput',
      variableNames: ['dy', 'W'],
      vec4,
      tile,
      plan,
      loaders,
      rows: voxels,
      cols: geometry.n,
      ...(maxWorkgroupsPerDimension === undefined ? {} : { maxWorkgroupsPerDimension }),
    });
    return { program, plan, geometry, uniforms: gemmUniforms(geometry, plan) };
  });
}
