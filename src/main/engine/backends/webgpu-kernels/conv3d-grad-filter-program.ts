/**
 * Conv3DBackpropFilterV2 as an implicit GEMM: dW[M = kd*kh*kw*Cin, Cout] = A[M, K] x dy[K, Cout]
 * with K = N*D'*H'*W' (every output voxel): A[(tap, ci), k] is the input voxel that tap reads
 * for output voxel k (zero outside the volume), contiguous along ci (so A is loaded along m).
 * The output is small and K huge, so K is split into chunks (planSplits) that fill the GPU even
 * for a 7x7x7x1x64 or 1x1x1x64x64 filter; the kernel then sums the partials.
 */
import type { tf } from '../../tf';
import {
  chooseTile,
  Conv3dGemmProgram,
  gemmUniforms,
  planSplits,
  rowMajorB,
  type GemmGeometry,
  type GemmLoaders,
} from './conv3d-gemm-shader';

type Conv3DInfo = tf.backend_util.Conv3DInfo;

/** A[m..m+3, k] from x: fixA(m) is (fd, fh, fw, ci) of row m, ci = -1 past the last row. */
function gradFilterLoaders(vec4X: boolean, vec4Dy: boolean): GemmLoaders {
  const load = vec4X
    ? `let i = xIndex(f, k);
  if (i < 0) { return vec4<f32>(0.0); }
  return x[i / 4];`
    : `var v = vec4<f32>(0.0);
  for (var e = 0; e < 4; e++) {
    let i = xIndex(fixA(m + e), k);
    if (i >= 0) { v[e] = x[i]; }
  }
  return v;`;
  return {
    aAlong: 'm',
    bAlong: 'n',
    wgsl: `
fn fixA(m : i32) -> vec4<i32> {
  if (m >= uniforms.gemm.x) { return vec4<i32>(0, 0, 0, -1); }
  let cin = uniforms.vol.w;
  let tap = tapOf(m / cin);
  return vec4<i32>(tap, m % cin);
}
fn xIndex(f : vec4<i32>, k : i32) -> i32 {
  if (f.w < 0 || k >= uniforms.gemm.z) { return -1; }
  let o = uniforms.outDims;
  let r1 = k / o.z;
  let r2 = r1 / o.y;
  let s = uniforms.stride;
  let p = uniforms.pad;
  return volIndex(r2 / o.x, (r2 % o.x) * s.x - p.x + f.x, (r1 % o.y) * s.y - p.y + f.y, (k % o.z) * s.z - p.z + f.z, f.w);
}
fn loadA4(f : vec4<i32>, m : i32, k : i32) -> vec4<f32> {
  ${load}
}
${rowMajorB('dy', vec4Dy)}
`,
  };
}

export function conv3dGradFilterGemm(info: Conv3DInfo, maxWorkgroupsPerDimension?: number) {
  const taps = info.filterDepth * info.filterHeight * info.filterWidth;
  const geometry: GemmGeometry = {
    m: taps * info.inChannels,
    n: info.outChannels,
    k: info.batchSize * info.outDepth * info.outHeight * info.outWidth,
    volume: [info.inDepth, info.inHeight, info.inWidth, info.inChannels],
    output: [info.outDepth, info.outHeight, info.outWidth, info.outChannels],
    filter: [info.filterDepth, info.filterHeight, info.filterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    pads: [info.padInfo.front, info.padInfo.top, info.padInfo.left],
    dilations: [1, 1, 1],
  };
  const tile = chooseTile(geometry.n);
  const plan = planSplits(geometry.m, geometry.n, geometry.k, tile);
  const vec4: [boolean, boolean] = [info.inChannels % 4 === 0, info.outChannels % 4 === 0];
  const program = new Conv3dGemmProgram({
    key: 'gradFilter',
    variableNames: ['x', 'dy'],
    vec4,
    tile,
    plan,
    loaders: gradFilterLoaders(vec4[0], vec4[1]),
    rows: geometry.m,
    cols: geometry.n,
    ...(maxWorkgroupsPerDimension === undefined ? {} : { maxWorkgroupsPerDimension }),
  });
  return { program, plan, geometry, uniforms: gemmUniforms(geometry, plan) };
}
