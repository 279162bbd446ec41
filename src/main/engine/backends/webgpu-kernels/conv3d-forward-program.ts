/**
 * Conv3D forward as an implicit GEMM: y[M = N*D'*H'*W', Cout] = im2col(x)[M, K] x filter[K, Cout]
 * with K = kd*kh*kw*Cin. A row m is one output voxel; its K entries are the input voxels under
 * the filter (zero outside the volume, dilations honoured), gathered straight from x (NDHWC) so
 * consecutive k are consecutive input channels. The filter [kd, kh, kw, Cin, Cout] already is the
 * row-major [K, Cout] B.
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

/** A[m, k..k+3] from x: fixA(m) is (batch, and the output voxel's input corner d, h, w). */
function forwardLoaders(vec4X: boolean, vec4W: boolean): GemmLoaders {
  const load = vec4X
    ? `let i = xIndex(f, k);
  if (i < 0) { return vec4<f32>(0.0); }
  return x[i / 4];`
    : `var v = vec4<f32>(0.0);
  for (var e = 0; e < 4; e++) {
    let i = xIndex(f, k + e);
    if (i >= 0) { v[e] = x[i]; }
  }
  return v;`;
  return {
    aAlong: 'k',
    bAlong: 'n',
    wgsl: `
fn fixA(m : i32) -> vec4<i32> {
  if (m >= uniforms.gemm.x) { return vec4<i32>(-1, 0, 0, 0); }
  let o = uniforms.outDims;
  let r1 = m / o.z;
  let r2 = r1 / o.y;
  let s = uniforms.stride;
  let p = uniforms.pad;
  return vec4<i32>(r2 / o.x, (r2 % o.x) * s.x - p.x, (r1 % o.y) * s.y - p.y, (m % o.z) * s.z - p.z);
}
fn xIndex(f : vec4<i32>, k : i32) -> i32 {
  if (f.x < 0 || k >= uniforms.gemm.z) { return -1; }
  let cin = uniforms.vol.w;
  let tap = tapOf(k / cin);
  let dl = uniforms.dil;
  return volIndex(f.x, f.y + tap.x * dl.x, f.z + tap.y * dl.y, f.w + tap.z * dl.z, k % cin);
}
fn loadA4(f : vec4<i32>, m : i32, k : i32) -> vec4<f32> {
  ${load}
}
${rowMajorB('W', vec4W)}
`,
  };
}

export function conv3dForwardGemm(info: Conv3DInfo, maxWorkgroupsPerDimension?: number) {
  const taps = info.filterDepth * info.filterHeight * info.filterWidth;
  const geometry: GemmGeometry = {
    m: info.batchSize * info.outDepth * info.outHeight * info.outWidth,
    n: info.outChannels,
    k: taps * info.inChannels,
    volume: [info.inDepth, info.inHeight, info.inWidth, info.inChannels],
    output: [info.outDepth, info.outHeight, info.outWidth, info.outChannels],
    filter: [info.filterDepth, info.filterHeight, info.filterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    pads: [info.padInfo.front, info.padInfo.top, info.padInfo.left],
    dilations: [info.dilationDepth, info.dilationHeight, info.dilationWidth],
  };
  const tile = chooseTile(geometry.n);
  const plan = planSplits(geometry.m, geometry.n, geometry.k, tile);
  const vec4: [boolean, boolean] = [info.inChannels % 4 === 0, info.outChannels % 4 === 0];
  const program = new Conv3dGemmProgram({
    key: 'forward',
    variableNames: ['x', 'W'],
    vec4,
    tile,
    plan,
    loaders: forwardLoaders(vec4[0], vec4[1]),
    rows: geometry.m,
    cols: geometry.n,
    ...(maxWorkgroupsPerDimension === undefined ? {} : { maxWorkgroupsPerDimension }),
  });
  return { program, plan, geometry, uniforms: gemmUniforms(geometry, plan) };
}
