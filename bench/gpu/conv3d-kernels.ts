/**
 * Conv3D kernels on webgpu: tfjs-backend-webgpu's naive one-thread-per-output programs vs the
 * implicit-GEMM programs (src/main/engine/backends/webgpu-kernels), forward / grad input / grad
 * filter, each kernel run on its own (tf.engine().runKernel) and waited for with `await data()`.
 * Prints median ms and GFLOP/s (2 x output voxels x taps x Cin x Cout for every direction) and
 * writes nothing.
 *
 *   npx tsx bench/gpu/conv3d-kernels.ts [--large] [--f16] [--reps N] [--ops forward,gradInput,gradFilter]
 *     [--shapes "NxDxHxWxCin/kdxkhxkw/Cout/sD,sH,sW/pad;..."]   (pad: valid, same or a number)
 *
 * The default shapes are small enough for Mesa lavapipe (a CPU adapter); --large has the mid
 * CtVlm's (2, 64x128x128) stem and layer1 and Merlin-like 40x56x56 layers, for a real GPU.
 * --f16 also times the GEMM programs at f16 precision (mixed precision; needs shader-f16) and
 * prints their worst error against the float32 GEMM's output, |f16 - f32| / (1 + |f32|).
 */
import { parseArgs } from 'node:util';
import { webgpuCandidate } from '../../src/main/engine/backends/webgpu-candidate';
import {
  registerImplicitGemmConv3d,
  restoreOriginalConv3d,
} from '../../src/main/engine/backends/webgpu-kernels/conv3d-kernels';
import { setKernelPrecision } from '../../src/main/engine/backends/webgpu-kernels/kernel-precision';
import { tf } from '../../src/main/engine/tf';

type Shape5 = [number, number, number, number, number];
type Triple = [number, number, number];
type Direction = 'forward' | 'gradInput' | 'gradFilter';

interface BenchShape {
  label: string;
  x: Shape5;
  filter: Shape5;
  strides: Triple;
  pad: 'valid' | 'same' | number;
}

const shape = (label: string, x: Shape5, kernel: Triple, cout: number, strides: Triple, pad: BenchShape['pad']) => ({
  label,
  x,
  filter: [...kernel, x[4], cout] as Shape5,
  strides,
  pad,
});

const SMALL: BenchShape[] = [
  shape('stem 3x7x7 1->16 s1,2,2', [1, 16, 32, 32, 1], [3, 7, 7], 16, [1, 2, 2], 'same'),
  shape('3x3x3 16->16', [1, 8, 16, 16, 16], [3, 3, 3], 16, [1, 1, 1], 'same'),
  shape('1x1x1 64->32', [1, 8, 16, 16, 64], [1, 1, 1], 32, [1, 1, 1], 'valid'),
  shape('3x3x3 32->64 s2', [1, 8, 16, 16, 32], [3, 3, 3], 64, [2, 2, 2], 'same'),
];

const LARGE: BenchShape[] = [
  shape('mid stem 3x7x7 1->32 s1,2,2', [2, 64, 128, 128, 1], [3, 7, 7], 32, [1, 2, 2], 'same'),
  shape('stem 7x7x7 1->16 s2', [2, 64, 128, 128, 1], [7, 7, 7], 16, [2, 2, 2], 'same'),
  shape('mid layer1 3x3x3 16->16', [2, 32, 32, 32, 16], [3, 3, 3], 16, [1, 1, 1], 'same'),
  shape('mid layer1 1x1x1 16->64', [2, 32, 32, 32, 16], [1, 1, 1], 64, [1, 1, 1], 'valid'),
  shape('Merlin-like 1x1x1 256->64', [1, 40, 56, 56, 256], [1, 1, 1], 64, [1, 1, 1], 'valid'),
  shape('Merlin-like 3x3x3 64->64', [1, 40, 56, 56, 64], [3, 3, 3], 64, [1, 1, 1], 'same'),
];

function parseShapes(spec: string): BenchShape[] {
  return spec
    .split(';')
    .filter((s) => s.trim() !== '')
    .map((item) => {
      const [x, kernel, cout, strides, pad] = item.trim().split('/');
      const nums = (s: string | undefined, sep: string) => (s ?? '').split(sep).map(Number);
      const xs = nums(x, 'x');
      const ks = nums(kernel, 'x');
      const ss = strides === undefined ? [1, 1, 1] : nums(strides, ',');
      const padValue = pad === undefined || pad === 'same' || pad === 'valid' ? (pad ?? 'same') : Number(pad);
      if (
        xs.length !== 5 ||
        ks.length !== 3 ||
        ss.length !== 3 ||
        [...xs, ...ks, ...ss, Number(cout)].some((n) => !(n > 0))
      )
        throw new Error(`bad --shapes item "${item}": want NxDxHxWxCin/kdxkhxkw/Cout[/sD,sH,sW[/pad]]`);
      return shape(item.trim(), xs as Shape5, ks as Triple, Number(cout), ss as Triple, padValue);
    });
}

const { values } = parseArgs({
  options: {
    shapes: { type: 'string' },
    large: { type: 'boolean' },
    reps: { type: 'string' },
    ops: { type: 'string' },
    f16: { type: 'boolean' },
  },
});
const shapes = values.shapes ? parseShapes(values.shapes) : values.large ? LARGE : SMALL;
const reps = Math.max(1, Number(values.reps ?? 5));
const directions = (values.ops?.split(',') ?? ['forward', 'gradInput', 'gradFilter']) as Direction[];

function values32(count: number, seed: number): Float32Array {
  let state = seed;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}

/** Median ms of `reps` runs after one warm-up (which compiles the pipelines). */
async function time(run: () => tf.Tensor): Promise<number> {
  const once = async (): Promise<number> => {
    const start = performance.now();
    const out = run();
    await out.data();
    const ms = performance.now() - start;
    out.dispose();
    return ms;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i += 1) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

function kernelRun(s: BenchShape, direction: Direction, x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor): () => tf.Tensor {
  const engine = tf.engine();
  const { strides, pad } = s;
  const [kernel, inputs, attrs]: [string, tf.NamedTensorMap, object] =
    direction === 'forward'
      ? ['Conv3D', { x, filter: w }, { strides, pad, dilations: 1, dataFormat: 'NDHWC' }]
      : direction === 'gradInput'
        ? ['Conv3DBackpropInputV2', { dy, filter: w }, { strides, pad, inputShape: s.x }]
        : ['Conv3DBackpropFilterV2', { x, dy }, { strides, pad, filterShape: s.filter }];
  return () => engine.runKernel<tf.Tensor>(kernel, inputs, attrs as tf.NamedAttrMap);
}

/** The output of one run, for comparing precisions. */
async function valuesOf(run: () => tf.Tensor): Promise<Float32Array> {
  const out = run();
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

function worstError(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] ?? 0;
    const error = Math.abs((got[i] ?? Number.NaN) - w) / (1 + Math.abs(w));
    worst = Number.isNaN(error) ? Number.POSITIVE_INFINITY : Math.max(worst, error);
  }
  return worst;
}

const loaded = await webgpuCandidate().load();
const withF16 = values.f16 === true && loaded.device?.details['shaderF16'] === true;
if (values.f16 && !withF16) console.log('--f16: this adapter lacks shader-f16; timing float32 only');
const rows: string[][] = [];
try {
  await tf.setBackend('webgpu');
  console.log(`webgpu adapter: ${JSON.stringify(loaded.device)}`);
  console.log(`median of ${reps} runs after a warm-up; each run waits for await tensor.data()\n`);
  for (const s of shapes) {
    const info = tf.backend_util.computeConv3DInfo(s.x, s.filter, s.strides, 1, s.pad);
    const flops =
      2 *
      tf.util.sizeFromShape(info.outShape) *
      info.filterDepth *
      info.filterHeight *
      info.filterWidth *
      info.inChannels;
    const x = tf.tensor5d(values32(tf.util.sizeFromShape(s.x), 1), s.x);
    const w = tf.tensor5d(values32(tf.util.sizeFromShape(s.filter), 2), s.filter);
    const dy = tf.tensor5d(values32(tf.util.sizeFromShape(info.outShape), 3), info.outShape);
    for (const direction of directions) {
      restoreOriginalConv3d(); // in case backend loading registered the GEMM kernels
      const naive = await time(kernelRun(s, direction, x, w, dy));
      const restore = registerImplicitGemmConv3d();
      let gemm: number;
      let f16: { ms: number; error: number } | null = null;
      try {
        const run = kernelRun(s, direction, x, w, dy);
        gemm = await time(run);
        if (withF16) {
          const reference = await valuesOf(run);
          setKernelPrecision('f16');
          f16 = { ms: await time(run), error: worstError(await valuesOf(run), reference) };
        }
      } finally {
        setKernelPrecision('float32');
        restore();
      }
      const gflops = (ms: number) => (flops / (ms * 1e6)).toFixed(2);
      rows.push([
        s.label,
        `x ${s.x.join('x')} f ${s.filter.join('x')}`,
        direction,
        naive.toFixed(1),
        gflops(naive),
        gemm.toFixed(1),
        gflops(gemm),
        `${(naive / gemm).toFixed(1)}x`,
        ...(f16
          ? [f16.ms.toFixed(1), gflops(f16.ms), `${(gemm / f16.ms).toFixed(2)}x`, f16.error.toExponential(1)]
          : []),
      ]);
      console.log(rows[rows.length - 1]?.join(' | '));
    }
    tf.dispose([x, w, dy]);
  }
} finally {
  await tf.setBackend('cpu');
  await loaded.dispose();
}

const header = [
  ...['shape', 'tensors', 'op', 'naive ms', 'naive GFLOP/s', 'gemm ms', 'gemm GFLOP/s', 'speed-up'],
  ...(withF16 ? ['f16 ms', 'f16 GFLOP/s', 'f16 vs f32', 'f16 worst error'] : []),
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
