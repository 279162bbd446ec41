/**
 * fusedAttention on cpu (composite forward, custom backward) and on WebGPU (the WGSL flash program,
 * lavapipe in CI): forward O against a float64 JS reference, gradients against tf.grads of the
 * composite on the cpu backend, the fused program really dispatched, and no tensor leak. Shapes
 * cover T = 1..200, T not a multiple of the 64-row query block, a padded tail, a fully padded
 * sequence, head sizes 8/32/64/128, both bias layouts and more or fewer keys than queries.
 */
import { describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { compositeAttention } from '../../../../src/main/engine/layers/fused-attention/composite-attention';
import { fusedAttention } from '../../../../src/main/engine/layers/fused-attention/fused-attention';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-attention.test');

interface Case {
  name: string;
  batch: number;
  heads: number;
  tokens: number;
  /** Key (and value) rows when they differ from the query rows (CT-CLIP's null key/values). */
  keys?: number;
  headDim: number;
  /** Real keys per sequence (the rest padded); undefined: no mask. */
  lengths?: number[];
  bias?: 3 | 4;
}

const CASES: Case[] = [
  { name: 'T=1, dh 8, no mask', batch: 1, heads: 1, tokens: 1, headDim: 8 },
  {
    name: 'T=5, dh 8, padded tail and a fully padded sequence',
    batch: 2,
    heads: 2,
    tokens: 5,
    headDim: 8,
    lengths: [3, 0],
  },
  {
    name: 'T=70, dh 32, padded tail (T not a multiple of 64)',
    batch: 2,
    heads: 2,
    tokens: 70,
    headDim: 32,
    lengths: [70, 41],
  },
  { name: 'T=200, dh 64, padded tail', batch: 1, heads: 2, tokens: 200, headDim: 64, lengths: [133] },
  { name: 'T=20, dh 128, no mask', batch: 1, heads: 1, tokens: 20, headDim: 128 },
  { name: 'T=9, dh 8, [H, T, T] bias and mask', batch: 2, heads: 3, tokens: 9, headDim: 8, lengths: [9, 4], bias: 3 },
  { name: 'T=67, dh 64, [B, H, T, T] bias', batch: 2, heads: 1, tokens: 67, headDim: 64, bias: 4 },
  { name: 'Tq=10, Tk=12, dh 6, [H, Tq, Tk] bias', batch: 2, heads: 2, tokens: 10, keys: 12, headDim: 6, bias: 3 },
  { name: 'Tq=66, Tk=3, dh 8, mask', batch: 1, heads: 2, tokens: 66, keys: 3, headDim: 8, lengths: [2] },
];

const keysOf = (c: Case): number => c.keys ?? c.tokens;

/** Deterministic values in [-amplitude, amplitude]. */
function values(count: number, seed: number, amplitude = 1): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * amplitude;
  });
}

interface CaseData {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  weights: Float32Array;
  mask?: Float32Array;
  bias?: Float32Array;
}

function caseData(c: Case): CaseData {
  const size = c.batch * c.heads * c.tokens * c.headDim;
  const keys = keysOf(c);
  const keySize = c.batch * c.heads * keys * c.headDim;
  const data: CaseData = {
    q: values(size, 11, 1.5),
    k: values(keySize, 23, 1.5),
    v: values(keySize, 37),
    weights: values(size, 41),
  };
  if (c.lengths) {
    data.mask = Float32Array.from({ length: c.batch * keys }, (_, i) =>
      i % keys < (c.lengths?.[Math.floor(i / keys)] ?? 0) ? 1 : 0,
    );
  }
  if (c.bias) {
    const count = (c.bias === 4 ? c.batch : 1) * c.heads * c.tokens * keys;
    data.bias = values(count, 53, 2);
  }
  return data;
}

/**
 * O in float64. Scores of padded keys get -1e9 added in float32 (Math.fround), as the composite and
 * the WGSL program do, so a fully padded row attends uniformly there too.
 */
function referenceOutput(c: Case, d: CaseData): Float64Array {
  const { batch, heads, tokens, headDim } = c;
  const keys = keysOf(c);
  const scale = 1 / Math.sqrt(headDim);
  const out = new Float64Array(batch * heads * tokens * headDim);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++) {
      const base = (b * heads + h) * tokens;
      const keyBase = (b * heads + h) * keys;
      for (let i = 0; i < tokens; i++) {
        const scores = new Float64Array(keys);
        for (let j = 0; j < keys; j++) {
          let s = 0;
          for (let e = 0; e < headDim; e++)
            s += (d.q[(base + i) * headDim + e] ?? NaN) * (d.k[(keyBase + j) * headDim + e] ?? NaN);
          s *= scale;
          if (d.bias) s += d.bias[((c.bias === 4 ? b * heads : 0) + h) * tokens * keys + i * keys + j] ?? NaN;
          if (d.mask && d.mask[b * keys + j] === 0) s = Math.fround(s - 1e9);
          scores[j] = s;
        }
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, e) => a + e, 0);
        for (let e = 0; e < headDim; e++) {
          let acc = 0;
          for (let j = 0; j < keys; j++) acc += ((exps[j] ?? NaN) / total) * (d.v[(keyBase + j) * headDim + e] ?? NaN);
          out[(base + i) * headDim + e] = acc;
        }
      }
    }
  return out;
}

interface Tensors {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  weights: Tensor;
  mask?: Tensor;
  bias?: Tensor;
}

function tensorsOf(c: Case, d: CaseData): Tensors {
  const shape = [c.batch, c.heads, c.tokens, c.headDim];
  const keys = keysOf(c);
  const keyShape = [c.batch, c.heads, keys, c.headDim];
  const t: Tensors = {
    q: tf.tensor(d.q, shape),
    k: tf.tensor(d.k, keyShape),
    v: tf.tensor(d.v, keyShape),
    weights: tf.tensor(d.weights, shape),
  };
  if (d.mask) t.mask = tf.tensor(d.mask, [c.batch, keys]);
  if (d.bias) {
    const biasShape = c.bias === 4 ? [c.batch, c.heads, c.tokens, keys] : [c.heads, c.tokens, keys];
    t.bias = tf.tensor(d.bias, biasShape);
  }
  return t;
}

type Attend = (q: Tensor, k: Tensor, v: Tensor, options: { scale: number; mask?: Tensor; bias?: Tensor }) => Tensor;

/** O and the gradients of Σ O ∘ W with respect to q, k, v (and bias), read back as arrays. */
async function forwardAndGradients(c: Case, d: CaseData, attend: Attend): Promise<Float32Array[]> {
  const t = tensorsOf(c, d);
  const scale = 1 / Math.sqrt(c.headDim);
  const options = { scale, ...(t.mask ? { mask: t.mask } : {}) };
  const loss = (q: Tensor, k: Tensor, v: Tensor, bias?: Tensor): Tensor =>
    tf.sum(tf.mul(attend(q, k, v, bias ? { ...options, bias } : options), t.weights));
  const out = attend(t.q, t.k, t.v, t.bias ? { ...options, bias: t.bias } : options);
  const inputs = t.bias ? [t.q, t.k, t.v, t.bias] : [t.q, t.k, t.v];
  const grads = tf.grads((...xs: Tensor[]) => loss(xs[0] as Tensor, xs[1] as Tensor, xs[2] as Tensor, xs[3]))(inputs);
  const results = await Promise.all([out, ...grads].map(async (x) => (await x.data()) as Float32Array));
  tf.dispose([out, ...grads, t.q, t.k, t.v, t.weights, ...(t.mask ? [t.mask] : []), ...(t.bias ? [t.bias] : [])]);
  return results;
}

/** max |got - want| / max(1, max |want|): relative to the size of the reference values. */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i] ?? NaN));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got[i] ?? NaN) - (want[i] ?? NaN)));
  return worst / scale;
}

const composite: Attend = (q, k, v, options) => compositeAttention(q, k, v, options);

/** Reference gradients: tf.grads of the composite on the cpu backend. */
const cpuReference = new Map<string, Float32Array[]>();
async function referenceGradients(c: Case, d: CaseData): Promise<Float32Array[]> {
  const cached = cpuReference.get(c.name);
  if (cached) return cached;
  const backend = tf.getBackend();
  await tf.setBackend('cpu');
  const result = await forwardAndGradients(c, d, composite);
  await tf.setBackend(backend);
  cpuReference.set(c.name, result);
  return result;
}

/**
 * Gradients when the mask and bias are intermediates of a tidy that ends before the backward runs
 * (as in CosineSimAttention, which pads its bias inside its own tidy): the op must keep its own.
 */
async function checkIntermediateMaskAndBias(): Promise<void> {
  const c = CASES.find((x) => x.bias === 3 && x.lengths !== undefined && x.keys === undefined) as Case;
  const d = caseData(c);
  const t = tensorsOf(c, d);
  const mask = t.mask as Tensor;
  const before = tf.memory().numTensors;
  const loss = (attend: Attend) => (q: Tensor, k: Tensor, v: Tensor, bias: Tensor) =>
    tf.sum(
      tf.mul(
        tf.tidy(() => attend(q, k, v, { scale: 0.5, mask: tf.add(mask, 0), bias: tf.mul(bias, 1) })),
        t.weights,
      ),
    );
  const grads = tf.grads(loss(fusedAttention))([t.q, t.k, t.v, t.bias as Tensor]);
  const want = tf.grads(loss(composite))([t.q, t.k, t.v, t.bias as Tensor]);
  const [got, expected] = await Promise.all(
    [grads, want].map(async (list) => Promise.all(list.map(async (g) => (await g.data()) as Float32Array))),
  );
  tf.dispose([...grads, ...want]);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  got?.forEach((g, i) => expect(relativeError(g, expected?.[i] ?? [])).toBeLessThan(1e-4));
  tf.dispose([t.q, t.k, t.v, t.weights, mask, t.bias]);
}

async function checkCase(c: Case): Promise<void> {
  const d = caseData(c);
  const before = tf.memory().numTensors;
  const [out, ...grads] = await forwardAndGradients(c, d, fusedAttention);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  expect(relativeError(out ?? [], referenceOutput(c, d)), 'O vs float64').toBeLessThan(1e-4);
  const [, ...wantGrads] = await referenceGradients(c, d);
  const names = ['dq', 'dk', 'dv', 'dBias'];
  grads.forEach((g, i) => {
    expect(relativeError(g, wantGrads[i] ?? []), `${names[i]} vs cpu composite`).toBeLessThan(1e-4);
  });
}

describe('fusedAttention on cpu (composite forward, custom backward)', () => {
  for (const c of CASES) {
    it(`matches float64 and the composite's gradients: ${c.name}`, async () => {
      await tf.setBackend('cpu');
      await checkCase(c);
    });
  }

  it('keeps a mask and bias made in a tidy that ends before the backward', async () => {
    await tf.setBackend('cpu');
    await checkIntermediateMaskAndBias();
  });

  it('rejects mismatched shapes', async () => {
    await tf.setBackend('cpu');
    const q = tf.zeros([1, 2, 3, 4]);
    const k = tf.zeros([1, 2, 4, 4]);
    expect(() => fusedAttention(q, k, q, { scale: 1 })).toThrow(/q \[B, H, Tq, dh\] and k, v/);
    const mask = tf.ones([1, 4]);
    expect(() => fusedAttention(q, q, q, { scale: 1, mask })).toThrow(/mask must be \[1, 3\]/);
    tf.dispose([q, k, mask]);
  });
});

describe('fusedAttention on webgpu (WGSL flash program)', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)(
    'keeps a mask and bias made in a tidy that ends before the backward',
    async () => {
      await tf.setBackend('webgpu');
      await checkIntermediateMaskAndBias();
    },
    60_000,
  );

  for (const c of CASES) {
    it.skipIf(!loaded)(
      `matches float64 and the composite's gradients: ${c.name}`,
      async () => {
        await tf.setBackend('webgpu');
        const backend = tf.backend() as unknown as WebGPUBackend;
        const programs: string[] = [];
        const run = backend.runWebGPUProgram.bind(backend);
        backend.runWebGPUProgram = (program, ...rest) => {
          programs.push(program.shaderKey);
          return run(program, ...rest);
        };
        try {
          await checkCase(c);
        } finally {
          backend.runWebGPUProgram = run;
        }
        // Forward twice (the output and inside the loss); P and dS once each in the backward.
        const count = (mode: string): number =>
          programs.filter((key) => key.startsWith(`fusedAttention_${mode}_`)).length;
        expect([count('output'), count('probabilities'), count('scoreGradient')]).toEqual([2, 1, 1]);
        expect(programs.some((key) => key.startsWith('softmax'))).toBe(false);
      },
      60_000,
    ); // lavapipe compiles each new pipeline on a shared 2-core VM
  }
});
