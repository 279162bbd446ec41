/**
 * The self-test that confirms a backend: a conv3d forward, its gradients with respect to the input
 * and the filter, and a matmul, on seeded random inputs, compared with the CPU backend.
 *
 * Tolerance: |actual - expected| <= atol + rtol * |expected|, atol = rtol = 1e-3. Each output is a
 * float32 sum of at most a few hundred products of values in [-1, 1] (conv3d: 2*27 = 54 terms;
 * filter gradient: 2*4*6*6 = 288 terms; matmul: 47 terms), so results stay below ~20 in size and a
 * correct backend that only reorders the sums differs by about n * 2^-24 * |sum| < 1e-4 at worst
 * (seen: ~1e-6 for wasm and lavapipe WebGPU). A wrong kernel (bad index, missing term, wrong
 * padding) is off by O(0.1) or more. So 1e-3 separates the two by an order of magnitude each way.
 */
import { tf } from '../tf';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-3, rtol: 1e-3 };

export interface WorkloadShapes {
  /** conv3d input [batch, depth, height, width, inChannels] */
  x: [number, number, number, number, number];
  /** conv3d filter [depth, height, width, inChannels, outChannels] */
  filter: [number, number, number, number, number];
  /** matmul [m, k] x [k, n] */
  matmul: [number, number, number];
}

export const SELF_TEST_SHAPES: WorkloadShapes = { x: [2, 4, 6, 6, 2], filter: [3, 3, 3, 2, 3], matmul: [33, 47, 29] };

export interface WorkloadInputs {
  shapes: WorkloadShapes;
  x: Float32Array;
  filter: Float32Array;
  /** the upstream gradient of the conv3d output (so the gradients are not just sums) */
  dy: Float32Array;
  a: Float32Array;
  b: Float32Array;
}

export const OUTPUT_NAMES = ['conv3d', 'conv3dGradInput', 'conv3dGradFilter', 'matmul'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];
export type WorkloadOutputs = Record<OutputName, Float32Array>;

export interface Comparison {
  passed: boolean;
  maxAbsError: number;
  /** the worst element relative to the tolerance, for the reason line */
  worst: { output: OutputName; index: number; expected: number; actual: number } | null;
}

export interface SelfTestResult {
  passed: boolean;
  maxAbsError: number;
  ms: number;
}

/** Seeded uniform values in [-1, 1) (mulberry32), the same on every machine. */
export function randomValues(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return values;
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function makeInputs(shapes: WorkloadShapes = SELF_TEST_SHAPES, seed = 1): WorkloadInputs {
  const [batch, depth, height, width] = shapes.x;
  const outChannels = shapes.filter[4];
  const [m, k, n] = shapes.matmul;
  return {
    shapes,
    x: randomValues(product(shapes.x), seed),
    filter: randomValues(product(shapes.filter), seed + 1),
    dy: randomValues(batch * depth * height * width * outChannels, seed + 2),
    a: randomValues(m * k, seed + 3),
    b: randomValues(k * n, seed + 4),
  };
}

/**
 * Runs the workload on one backend (which becomes the current tfjs backend) and reads the results
 * back. conv3d uses stride 1 and 'same' padding, as the image tower does.
 */
export async function runWorkload(backend: string, inputs: WorkloadInputs): Promise<WorkloadOutputs> {
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend could not be made current`);
  const { shapes } = inputs;
  const [m, k, n] = shapes.matmul;
  const outputs = tf.tidy(() => {
    const x = tf.tensor5d(inputs.x, shapes.x);
    const filter = tf.tensor5d(inputs.filter, shapes.filter);
    const y = tf.conv3d(x, filter, 1, 'same');
    const dy = tf.tensor(inputs.dy, y.shape);
    const loss = (xIn: tf.Tensor, fIn: tf.Tensor): tf.Tensor =>
      tf.sum(tf.mul(tf.conv3d(xIn as tf.Tensor5D, fIn as tf.Tensor5D, 1, 'same'), dy));
    const [dx, dFilter] = tf.grads(loss)([x, filter]);
    if (!dx || !dFilter) throw new Error('tf.grads returned fewer gradients than inputs');
    const product2d = tf.matMul(tf.tensor2d(inputs.a, [m, k]), tf.tensor2d(inputs.b, [k, n]));
    return [y, dx, dFilter, product2d];
  });
  try {
    const values = await Promise.all(outputs.map((t) => t.data()));
    const result: Partial<WorkloadOutputs> = {};
    OUTPUT_NAMES.forEach((name, i) => {
      const data = values[i];
      if (!(data instanceof Float32Array)) throw new Error(`${backend} returned no float32 data for ${name}`);
      result[name] = data;
    });
    return result as WorkloadOutputs;
  } finally {
    for (const t of outputs) t.dispose();
  }
}

export function compareOutputs(
  expected: WorkloadOutputs,
  actual: WorkloadOutputs,
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): Comparison {
  let maxAbsError = 0;
  let worstRatio = 0;
  let worst: Comparison['worst'] = null;
  let passed = true;
  for (const output of OUTPUT_NAMES) {
    const want = expected[output];
    const got = actual[output];
    if (want.length !== got.length) {
      return {
        passed: false,
        maxAbsError: Infinity,
        worst: { output, index: -1, expected: want.length, actual: got.length },
      };
    }
    for (let i = 0; i < want.length; i += 1) {
      const e = want[i]!;
      const a = got[i]!;
      const error = Math.abs(a - e);
      const allowed = tolerance.atol + tolerance.rtol * Math.abs(e);
      const ratio = Number.isNaN(error) ? Infinity : error / allowed;
      if (Number.isNaN(error) || error > allowed) passed = false;
      if (!Number.isNaN(error)) maxAbsError = Math.max(maxAbsError, error);
      else maxAbsError = Infinity;
      if (ratio > worstRatio || worst === null) {
        worstRatio = ratio;
        worst = { output, index: i, expected: e, actual: a };
      }
    }
  }
  return { passed, maxAbsError, worst };
}

/** The CPU reference, computed once per selection. */
export async function cpuReference(inputs: WorkloadInputs): Promise<WorkloadOutputs> {
  return runWorkload('cpu', inputs);
}

export async function runSelfTest(
  backend: string,
  inputs: WorkloadInputs,
  reference: WorkloadOutputs,
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): Promise<SelfTestResult & { comparison: Comparison }> {
  const started = process.hrtime.bigint();
  const outputs = await runWorkload(backend, inputs);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const comparison = compareOutputs(reference, outputs, tolerance);
  return { passed: comparison.passed, maxAbsError: comparison.maxAbsError, ms, comparison };
}
