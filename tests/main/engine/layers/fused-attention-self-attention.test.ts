/**
 * SelfAttention through fusedAttention: without attention dropout it gives the context and the
 * gradients the composite path gives (softmax(q kᵀ / √dh + mask) v as tfjs ops, what apply() ran
 * before), on cpu and on WebGPU (lavapipe in CI), where the fused WGSL program runs; with dropout
 * active it keeps the composite path. On WebGPU it also measures a forward+backward before vs
 * after (dispatches, tf.profile peak bytes, bytes live when the forward ends) at B=2, H=4, T=128,
 * dh=32, for the layer and for the attention op alone, and asserts all three went down.
 */
import { describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { additiveKeyMask } from '../../../../src/main/engine/layers/attention-mask';
import { compositeAttention } from '../../../../src/main/engine/layers/fused-attention/composite-attention';
import { fusedAttention } from '../../../../src/main/engine/layers/fused-attention/fused-attention';
import { SelfAttention } from '../../../../src/main/engine/layers/self-attention';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-attention-self-attention.test');

/** What SelfAttention.apply computed before the fused op (eval mode: dropout is the identity). */
function compositeContext(layer: SelfAttention, x: Tensor, mask?: Tensor): Tensor {
  return tf.tidy(() => {
    const [batch = 0, tokens = 0] = x.shape;
    const heads = (t: Tensor): Tensor =>
      tf.transpose(tf.reshape(t, [batch, tokens, layer.numHeads, layer.headDim]), [0, 2, 1, 3]);
    const [q, k, v] = [layer.query, layer.key, layer.value].map((linear) => heads(linear.apply(x))) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(layer.headDim));
    if (mask) scores = tf.add(scores, additiveKeyMask(mask, batch, tokens));
    const context = tf.matMul(tf.softmax(scores, -1), v);
    return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, tokens, layer.dim]);
  });
}

type Context = (layer: SelfAttention, x: Tensor, mask?: Tensor) => Tensor;

interface Measured {
  dispatches: number;
  peakBytes: number;
  /** Bytes live when the forward ends inside the gradient tape (what the backward holds on to). */
  liveAfterForward: number;
}

/** Dispatches (runWebGPUProgram calls) and tf.profile peak bytes of `run`, after one warm-up run. */
async function measure(run: (markForwardEnd: () => void) => Tensor[]): Promise<Measured> {
  const warm = run(() => undefined);
  await Promise.all(warm.map((t) => t.data()));
  tf.dispose(warm);
  const backend = tf.backend() as unknown as WebGPUBackend;
  const start = tf.memory().numBytes;
  let dispatches = 0;
  let liveAfterForward = 0;
  const runProgram = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (...args) => {
    dispatches += 1;
    return runProgram(...args);
  };
  let outputs: Tensor[] = [];
  try {
    const profile = await tf.profile(() => {
      outputs = run(() => {
        liveAfterForward = tf.memory().numBytes - start;
      });
      return outputs;
    });
    await Promise.all(outputs.map((t) => t.data()));
    return { dispatches, peakBytes: profile.peakBytes, liveAfterForward };
  } finally {
    backend.runWebGPUProgram = runProgram;
    tf.dispose(outputs);
  }
}

/** `context`, calling `mark` once its output exists. */
function marked(context: Context, mark: () => void): Context {
  return (layer, x, mask) => {
    const out = context(layer, x, mask);
    mark();
    return out;
  };
}

function report(what: string, composite: Measured, fusedRun: Measured): void {
  const line = (m: Measured): string =>
    `${m.dispatches} dispatches, peak ${m.peakBytes} B, ${m.liveAfterForward} B live after the forward`;
  console.info(
    `[fused-attention, lavapipe] ${what}, B=2 H=4 T=128 dh=32, forward+backward: ` +
      `composite ${line(composite)}; fused ${line(fusedRun)}`,
  );
}
const fused: Context = (layer, x, mask) => layer.apply(x, mask);

interface Setup {
  layer: SelfAttention;
  x: Tensor;
  mask: Tensor;
  weights: Tensor;
}

function setup(batch: number, tokens: number, dim: number, numHeads: number, lengths: number[]): Setup {
  const layer = new SelfAttention(dim, { numHeads, dropout: 0.1, seed: 7 });
  layer.eval();
  const x = tf.randomNormal([batch, tokens, dim], 0, 1, 'float32', 3);
  const weights = tf.randomNormal([batch, tokens, dim], 0, 1, 'float32', 5);
  const mask = tf.tensor2d(
    Array.from({ length: batch }, (_, b) => Array.from({ length: tokens }, (_, t) => (t < (lengths[b] ?? 0) ? 1 : 0))),
    [batch, tokens],
    'int32',
  );
  return { layer, x, mask, weights };
}

function dispose(s: Setup): void {
  tf.dispose([s.x, s.mask, s.weights]);
  s.layer.dispose();
}

/** Σ context ∘ W and its gradients with respect to x and every parameter, in one backward pass. */
function forwardBackward(s: Setup, context: Context): Tensor[] {
  const params = s.layer.trainableParameters();
  const { value, grads } = tf.valueAndGrads((x: Tensor) => tf.sum(tf.mul(context(s.layer, x, s.mask), s.weights)))([
    s.x,
    ...params,
  ]);
  return [value, ...grads];
}

function maxRelative(got: Float32Array, want: Float32Array): number {
  let scale = 1;
  let worst = 0;
  want.forEach((w, i) => {
    scale = Math.max(scale, Math.abs(w));
    worst = Math.max(worst, Math.abs((got[i] ?? NaN) - w));
  });
  return worst / scale;
}

async function expectSameAsComposite(backend: string): Promise<void> {
  await tf.setBackend(backend);
  const s = setup(2, 13, 16, 2, [13, 6]);
  const before = tf.memory().numTensors;
  const programs: string[] = [];
  const backendImpl = tf.backend() as unknown as WebGPUBackend;
  const runProgram = backend === 'webgpu' ? backendImpl.runWebGPUProgram.bind(backendImpl) : undefined;
  if (runProgram) {
    backendImpl.runWebGPUProgram = (program, ...rest) => {
      programs.push(program.shaderKey);
      return runProgram(program, ...rest);
    };
  }
  let got: Tensor[];
  try {
    got = forwardBackward(s, fused);
  } finally {
    if (runProgram) backendImpl.runWebGPUProgram = runProgram;
  }
  // On webgpu the forward and both backward matrices came from the WGSL program, no softmax.
  if (runProgram) {
    expect(programs.filter((key) => key.startsWith('fusedAttention_')).length).toBe(3);
    expect(programs.some((key) => key.startsWith('softmax'))).toBe(false);
  }
  const want = forwardBackward(s, compositeContext);
  const gotData = await Promise.all(got.map(async (t) => (await t.data()) as Float32Array));
  const wantData = await Promise.all(want.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([...got, ...want]);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  expect(gotData.length).toBe(2 + s.layer.trainableParameters().length);
  gotData.forEach((g, i) =>
    expect(maxRelative(g, wantData[i] ?? new Float32Array()), `output ${i}`).toBeLessThan(1e-4),
  );
  dispose(s);
}

describe('SelfAttention with the fused op', () => {
  it('matches the composite context and gradients on cpu', async () => {
    await expectSameAsComposite('cpu');
  });

  it('keeps the composite path (probabilities, dropout, matMul) while attention dropout is active', async () => {
    await tf.setBackend('cpu');
    const s = setup(1, 4, 8, 2, [4]);
    s.layer.train();
    const a = s.layer.apply(s.x, s.mask);
    s.layer.dropout.reseed(1);
    const b = s.layer.apply(s.x, s.mask);
    s.layer.dropout.reseed(1);
    const probs = s.layer.dropout.apply(s.layer.probabilities(s.x, s.mask)); // the same mask as b's
    s.layer.eval();
    const evalContext = s.layer.apply(s.x, s.mask);
    // Dropout changed the context (so it was applied), and reseeding reproduces it exactly.
    expect(Array.from(await b.data())).not.toEqual(Array.from(await evalContext.data()));
    const heads = tf.transpose(tf.reshape(s.layer.value.apply(s.x), [1, 4, 2, 4]), [0, 2, 1, 3]);
    const expected = tf.reshape(tf.transpose(tf.matMul(probs, heads), [0, 2, 1, 3]), [1, 4, 8]);
    expect(maxRelative((await b.data()) as Float32Array, (await expected.data()) as Float32Array)).toBeLessThan(1e-6);
    tf.dispose([a, b, probs, evalContext, heads, expected]);
    dispose(s);
  });

  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)('matches the composite context and gradients on webgpu', async () => {
    await expectSameAsComposite('webgpu');
  });

  it.skipIf(!loaded)(
    'takes fewer dispatches and less memory than the composite (webgpu, B=2 H=4 T=128 dh=32)',
    async () => {
      await tf.setBackend('webgpu');
      const s = setup(2, 128, 128, 4, [128, 77]);
      const layerComposite = await measure((mark) => forwardBackward(s, marked(compositeContext, mark)));
      const layerFused = await measure((mark) => forwardBackward(s, marked(fused, mark)));
      report('SelfAttention apply, grads for x and all parameters', layerComposite, layerFused);
      const [q, k, v] = [11, 12, 13].map((seed) => tf.randomNormal([2, 4, 128, 32], 0, 1, 'float32', seed)) as [
        Tensor,
        Tensor,
        Tensor,
      ];
      const mask = tf.cast(s.mask, 'float32');
      const attention = (attend: typeof compositeAttention) => (mark: () => void) =>
        tf.grads((qIn: Tensor, kIn: Tensor, vIn: Tensor) => {
          const loss = tf.sum(attend(qIn, kIn, vIn, { scale: 1 / Math.sqrt(32), mask }));
          mark();
          return loss;
        })([q, k, v]);
      const opComposite = await measure(attention(compositeAttention));
      const opFused = await measure(attention(fusedAttention));
      report('attention op alone, grads for q, k, v', opComposite, opFused);
      for (const [composite, fusedRun] of [
        [layerComposite, layerFused],
        [opComposite, opFused],
      ] as const) {
        expect(fusedRun.dispatches).toBeLessThan(composite.dispatches);
        expect(fusedRun.peakBytes).toBeLessThan(composite.peakBytes);
        expect(fusedRun.liveAfterForward).toBeLessThan(composite.liveAfterForward);
      }
      tf.dispose([q, k, v, mask]);
      dispose(s);
    },
    120_000,
  );
});
