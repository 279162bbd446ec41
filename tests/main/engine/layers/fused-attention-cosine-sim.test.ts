/**
 * CT-CLIP's CosineSimAttention through fusedAttention: null key/values (more keys than queries) and
 * the continuous position bias [heads, n, n] (padded for the null keys). On WebGPU (lavapipe in CI)
 * the fused WGSL program runs, and the output and the gradients for x, the bias and every parameter
 * match the cpu backend's (the composite path, which ctclip-parity.test.ts checks against PyTorch).
 */
import { describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { CosineSimAttention } from '../../../../src/main/engine/models/ctclip/cosine-sim-attention';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-attention-cosine-sim.test');

const [BATCH, TOKENS, DIM, HEADS, DIM_HEAD, NULL_KV] = [2, 9, 16, 2, 8, 2];

/** Output, then the gradients of Σ output ∘ W for x, bias and the parameters, read back. */
async function run(layer: CosineSimAttention, backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([BATCH, TOKENS, DIM], 0, 1, 'float32', 3);
  const bias = tf.randomNormal([HEADS, TOKENS, TOKENS], 0, 1, 'float32', 4);
  const weights = tf.randomNormal([BATCH, TOKENS, DIM], 0, 1, 'float32', 5);
  const params = usedParameters(layer);
  const out = layer.apply(x, bias);
  const { value, grads } = tf.valueAndGrads((xIn: Tensor, biasIn: Tensor) =>
    tf.sum(tf.mul(layer.apply(xIn, biasIn), weights)),
  )([x, bias, ...params]);
  const results = await Promise.all([out, ...grads].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, bias, weights, out, value, ...grads]);
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return results;
}

/** Every parameter but context_norm's, which the reference builds but never uses. */
function usedParameters(layer: CosineSimAttention): Tensor[] {
  return layer
    .namedParameters()
    .filter(([name]) => !name.startsWith('context_norm'))
    .map(([, p]) => p);
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

describe('CosineSimAttention with the fused op', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)(
    'matches the cpu backend on webgpu (null key/values and position bias), through the WGSL program',
    async () => {
      await tf.setBackend('cpu');
      const layer = new CosineSimAttention(DIM, { dimHead: DIM_HEAD, heads: HEADS, numNullKv: NULL_KV, scale: 8 });
      const want = await run(layer, 'cpu');
      await tf.setBackend('webgpu');
      const backend = tf.backend() as unknown as WebGPUBackend;
      const programs: string[] = [];
      const runProgram = backend.runWebGPUProgram.bind(backend);
      backend.runWebGPUProgram = (program, ...rest) => {
        programs.push(program.shaderKey);
        return runProgram(program, ...rest);
      };
      let got: Float32Array[];
      try {
        got = await run(layer, 'webgpu');
      } finally {
        backend.runWebGPUProgram = runProgram;
      }
      expect(programs.filter((key) => key.startsWith('fusedAttention_')).length).toBe(4);
      expect(got.length).toBe(3 + usedParameters(layer).length);
      got.forEach((g, i) => expect(maxRelative(g, want[i] ?? new Float32Array()), `output ${i}`).toBeLessThan(1e-4));
      await tf.setBackend('cpu');
      layer.dispose();
    },
    60_000,
  );
});
