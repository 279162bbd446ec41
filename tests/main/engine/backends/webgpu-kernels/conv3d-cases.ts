/**
 * Shared by the implicit-GEMM Conv3D tests: seeded random convolution configurations, running
 * one Conv3D kernel on a backend from plain arrays, the tolerance check against the tfjs cpu
 * backend, and a recorder of the WebGPU programs a piece of work ran (to assert the GEMM
 * programs, not tfjs's naive ones, produced the result).
 *
 * Tolerance |webgpu - cpu| <= 1e-4 * (1 + |cpu|): both are float32 sums of K products of values
 * in [-0.5, 0.5) (K <= ~12k here) in different orders; their rounding differences grow like
 * sqrt(K) * 6e-8 * |partial sums|, about 1e-5 at worst for these sizes (observed: ~3e-7). A wrong
 * or missing tap or channel changes a result by one product (~0.06 on average), far above it.
 */
import { expect } from 'vitest';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { tf } from '../../../../../src/main/engine/tf';

export type Shape5 = [number, number, number, number, number];
export type Triple = [number, number, number];
export type Pad = 'valid' | 'same' | number;

export interface ConvCase {
  x: Shape5;
  filter: Shape5;
  strides: Triple;
  pad: Pad;
  dilations: Triple;
}

export const TOLERANCE = 1e-4;

/** Deterministic values in [-0.5, 0.5). */
export function randomValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 4294967296 - 0.5;
  }
  return values;
}

function generator(seed: number): <T>(items: readonly T[]) => T {
  let state = seed >>> 0 || 1;
  return <T>(items: readonly T[]): T => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const item = items[Math.floor((state / 4294967296) * items.length)];
    if (item === undefined) throw new Error('empty choice');
    return item;
  };
}

const CHANNELS = [1, 3, 4, 8, 17, 32] as const;
const KERNELS: Triple[] = [
  [1, 1, 1],
  [3, 3, 3],
  [1, 3, 3],
  [3, 1, 1],
  [5, 5, 5],
  [7, 7, 7],
  [2, 3, 1],
];
const STRIDES: Triple[] = [
  [1, 1, 1],
  [2, 2, 2],
  [1, 2, 2],
  [2, 1, 2],
];
const PADS: Pad[] = ['valid', 'same', 0, 1, 2];

function outSize(input: number, kernel: number, stride: number, pad: Pad): number {
  if (pad === 'same') return Math.ceil(input / stride);
  const p = pad === 'valid' ? 0 : pad;
  return Math.floor((input + 2 * p - kernel) / stride) + 1;
}

/** `count` random configurations (batch 1-2, small non-cubic volumes), every output non-empty. */
export function randomCases(count: number, seed: number): ConvCase[] {
  const pick = generator(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const kernel = pick(KERNELS);
    const strides = pick(STRIDES);
    const pad = pick(PADS);
    const volume = kernel.map((k) => k + pick([0, 1, 2, 3, 4, 5])) as Triple;
    const ok = volume.every((v, i) => outSize(v, kernel[i] ?? 1, strides[i] ?? 1, pad) > 0);
    if (!ok) continue;
    const inChannels = pick(CHANNELS);
    const outChannels = pick(CHANNELS);
    cases.push({
      x: [pick([1, 2]), ...volume, inChannels],
      filter: [...kernel, inChannels, outChannels],
      strides,
      pad,
      dilations: [1, 1, 1],
    });
  }
  return cases;
}

export function describeCase(c: ConvCase): string {
  return `x ${c.x.join('x')} filter ${c.filter.join('x')} strides ${c.strides.join(',')} pad ${c.pad} dilations ${c.dilations.join(',')}`;
}

export interface Result {
  values: Float32Array;
  shape: number[];
}

/** Runs one kernel on `backend` from plain values, returning its output and disposing everything. */
export async function runKernelOn(
  backend: 'cpu' | 'webgpu',
  kernel: 'Conv3D' | 'Conv3DBackpropInputV2' | 'Conv3DBackpropFilterV2',
  inputs: Record<string, Result>,
  attrs: Record<string, unknown>,
): Promise<Result> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, input] of Object.entries(inputs)) tensors[name] = tf.tensor(input.values, input.shape);
  const out = tf.engine().runKernel<tf.Tensor>(kernel, tensors, attrs as tf.NamedAttrMap);
  const result = { values: (await out.data()) as Float32Array, shape: out.shape };
  tf.dispose([out, ...Object.values(tensors)]);
  expect(tf.memory().numTensors, `${kernel} on ${backend} leaked tensors`).toBe(before);
  return result;
}

/** The worst |got - want| / (1 + |want|), after checking shapes agree. */
export function worstRelativeError(got: Result, want: Result): number {
  expect(got.shape).toEqual(want.shape);
  let worst = 0;
  for (let i = 0; i < want.values.length; i += 1) {
    const w = want.values[i] ?? 0;
    const g = got.values[i] ?? Number.NaN;
    const error = Math.abs(g - w) / (1 + Math.abs(w));
    worst = Number.isNaN(error) ? Number.POSITIVE_INFINITY : Math.max(worst, error);
  }
  return worst;
}

/** Every WebGPU program `body` ran: the shaderKey it was given (before tfjs extends it), its grid. */
export async function recordPrograms<T>(
  body: () => Promise<T>,
): Promise<{ result: T; keys: string[]; dispatches: [number, number, number][] }> {
  const backend = tf.findBackend('webgpu') as unknown as {
    runWebGPUProgram: (program: WebGPUProgram, ...rest: unknown[]) => unknown;
  } | null;
  if (!backend) throw new Error('the webgpu backend is not registered');
  const keys: string[] = [];
  const dispatches: [number, number, number][] = [];
  const original = backend.runWebGPUProgram;
  backend.runWebGPUProgram = function (this: unknown, program: WebGPUProgram, ...rest: unknown[]) {
    keys.push(program.shaderKey);
    dispatches.push([...program.dispatch]);
    return original.call(this, program, ...rest);
  };
  try {
    return { result: await body(), keys, dispatches };
  } finally {
    backend.runWebGPUProgram = original;
  }
}

/** Edge cases besides the random ones: a 64-wide tile, Cin = Cout = 1, dilations, odd sizes. */
const FIXED: ConvCase[] = [
  { x: [1, 5, 6, 7, 4], filter: [3, 3, 3, 4, 40], strides: [1, 1, 1], pad: 'same', dilations: [1, 1, 1] },
  { x: [2, 9, 4, 5, 1], filter: [7, 3, 3, 1, 1], strides: [2, 1, 1], pad: 3, dilations: [1, 1, 1] },
  { x: [1, 7, 8, 6, 3], filter: [3, 3, 3, 3, 5], strides: [1, 1, 1], pad: 'same', dilations: [2, 1, 2] },
  { x: [2, 6, 6, 6, 17], filter: [1, 1, 1, 17, 33], strides: [2, 2, 2], pad: 'valid', dilations: [1, 1, 1] },
];

/** What every direction's test file checks: the fixed cases and 10 seeded random ones. */
export const CASES: ConvCase[] = [...FIXED, ...randomCases(10, 20261123)];

export type Direction = 'forward' | 'gradInput' | 'gradFilter';

const KERNEL_OF = {
  forward: 'Conv3D',
  gradInput: 'Conv3DBackpropInputV2',
  gradFilter: 'Conv3DBackpropFilterV2',
} as const;

/**
 * Runs one direction of case `c` on the cpu backend and on webgpu (same inputs), asserting the
 * GEMM program of `precision` ran, the results agree within `tolerance` (TOLERANCE by default)
 * and nothing leaked. Returns the program
 * keys webgpu ran.
 */
export async function checkDirection(
  c: ConvCase,
  seed: number,
  direction: Direction,
  { tolerance = TOLERANCE, precision = 'float32' }: { tolerance?: number; precision?: 'float32' | 'f16' } = {},
): Promise<string[]> {
  const info = tf.backend_util.computeConv3DInfo(c.x, c.filter, c.strides, c.dilations, c.pad);
  const x = { values: randomValues(tf.util.sizeFromShape(c.x), seed), shape: c.x };
  const filter = { values: randomValues(tf.util.sizeFromShape(c.filter), seed + 1), shape: c.filter };
  const dy = { values: randomValues(tf.util.sizeFromShape(info.outShape), seed + 2), shape: info.outShape };
  const kernel = KERNEL_OF[direction];
  const [inputs, attrs] =
    direction === 'forward'
      ? [
          { x, filter },
          { strides: c.strides, pad: c.pad, dilations: c.dilations, dataFormat: 'NDHWC' },
        ]
      : direction === 'gradInput'
        ? [
            { dy, filter },
            { strides: c.strides, pad: c.pad, inputShape: c.x },
          ]
        : [
            { x, dy },
            { strides: c.strides, pad: c.pad, filterShape: c.filter },
          ];
  const want = await runKernelOn('cpu', kernel, inputs, attrs);
  const { result: got, keys } = await recordPrograms(() => runKernelOn('webgpu', kernel, inputs, attrs));
  expect(
    keys.some((k) => k.startsWith(`conv3dGemm_${direction}_`) && k.endsWith(`_${precision}`)),
    `${kernel} ran ${keys.join(', ')}`,
  ).toBe(true);
  expect(worstRelativeError(got, want), kernel).toBeLessThanOrEqual(tolerance);
  return keys;
}
