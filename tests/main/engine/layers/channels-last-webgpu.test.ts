/**
 * The Conv3d weight layout change on WebGPU at a size Merlin needs: its layer4 1x1x1 convolutions
 * (2048 x 512) once went through tfjs-backend-webgpu's 2-D transpose as a [1048576, 1] tensor,
 * which needs 65,536 workgroups in one dimension and was refused on every GPU ("Dispatch size
 * exceeds WebGPU limits"), so Merlin's image tower could not run on a GPU at any input size.
 * Runs on Mesa lavapipe in CI (CTVLM_REQUIRE_WEBGPU=1), which has the same 65,535 limit.
 */
import { describe, expect, it } from 'vitest';
import {
  addChannelVector,
  scaleShiftChannels,
  torchToTfFilter,
  WEBGPU_MAX_REDUCED_ROWS,
} from '../../../../src/main/engine/layers/channels-last';
import { tf } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('channels-last-webgpu.test');

describe('torchToTfFilter on webgpu', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)('turns a 2048 x 512 x 1 x 1 x 1 weight into [1, 1, 1, 512, 2048] without leaking', async () => {
    const [out, inChannels] = [2048, 512];
    const values = Float32Array.from({ length: out * inChannels }, (_, i) => (i % 9973) / 9973 - 0.5);
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    const weight = tf.tensor(values, [out, inChannels, 1, 1, 1]);
    const filter = torchToTfFilter(weight);
    expect(filter.shape).toEqual([1, 1, 1, inChannels, out]);
    const got = await filter.data();
    tf.dispose([weight, filter]);
    expect(tf.memory().numTensors).toBe(before);
    // filter[0,0,0,i,o] = weight[o,i,0,0,0]: spot-check across the whole range.
    for (const [o, i] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [2047, 511],
      [1234, 321],
    ] as const) {
      expect(got[i * out + o]).toBe(values[o * inChannels + i]);
    }
  });

  it('keeps general kernels as they were (cpu): [out, in, kd, kh, kw] -> [kd, kh, kw, in, out]', async () => {
    await tf.setBackend('cpu');
    const weight = tf.tensor(
      Array.from({ length: 3 * 2 * 2 * 1 * 3 }, (_, i) => i),
      [3, 2, 2, 1, 3],
    );
    const filter = torchToTfFilter(weight);
    const got = await filter.array();
    const w = (await weight.array()) as number[][][][][];
    tf.dispose([weight, filter]);
    for (let o = 0; o < 3; o += 1)
      for (let i = 0; i < 2; i += 1)
        for (let d = 0; d < 2; d += 1)
          for (let k = 0; k < 3; k += 1) expect(got[d]?.[0]?.[k]?.[i]?.[o]).toBe(w[o]?.[i]?.[d]?.[0]?.[k]);
  });

  // [1, 112, 100, 100, 2]: 1,120,000 rows of 2 channels, more than a webgpu Sum can reduce.
  const SHAPE = [1, 112, 100, 100, 2];
  const ROWS = 112 * 100 * 100;

  /** Gradients of Σ w·(x·scale + shift) and Σ w·(x + bias), and the expected ones in float64. */
  async function channelGradients(backend: string) {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const count = ROWS * 2;
    const xs = Float32Array.from({ length: count }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const ws = Float32Array.from({ length: count }, (_, i) => ((i * 104729) % 997) / 997);
    const x = tf.tensor(xs, SHAPE);
    const w = tf.tensor(ws, SHAPE);
    const scale = tf.tensor1d([1.5, -0.5]);
    const shift = tf.tensor1d([0.25, 2]);
    const grads = tf.grads((s: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(scaleShiftChannels(x, s, b), w)));
    const [dScale, dShift] = grads([scale, shift]);
    const biasGrad = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(addChannelVector(x, b), w)));
    const dBias = biasGrad(shift);
    const got = {
      dScale: [...(await dScale!.data())],
      dShift: [...(await dShift!.data())],
      dBias: [...(await dBias.data())],
    };
    tf.dispose([x, w, scale, shift, dScale!, dShift!, dBias]);
    const leaked = tf.memory().numTensors - before;
    const expected = { dScale: [0, 0], dShift: [0, 0] };
    for (let i = 0; i < count; i += 1) {
      const c = i % 2;
      expected.dScale[c]! += (ws[i] ?? 0) * (xs[i] ?? 0);
      expected.dShift[c]! += ws[i] ?? 0;
    }
    return { got, expected, leaked };
  }

  for (const backend of ['cpu', 'webgpu'] as const) {
    it.skipIf(backend === 'webgpu' && !loaded)(
      `takes per-channel scale, shift and bias gradients over more rows than webgpu can reduce (${backend})`,
      { timeout: 120_000 },
      async () => {
        expect(ROWS).toBeGreaterThan(WEBGPU_MAX_REDUCED_ROWS);
        const { got, expected, leaked } = await channelGradients(backend);
        expect(leaked).toBe(0);
        for (const c of [0, 1]) {
          // float32 sums of ~5.6e5 terms: relative error well under 1e-3.
          expect(got.dScale[c]).toBeCloseTo(expected.dScale[c]!, -1);
          expect(Math.abs((got.dScale[c]! - expected.dScale[c]!) / expected.dScale[c]!)).toBeLessThan(1e-3);
          expect(Math.abs((got.dShift[c]! - expected.dShift[c]!) / expected.dShift[c]!)).toBeLessThan(1e-3);
          expect(Math.abs((got.dBias[c]! - expected.dShift[c]!) / expected.dShift[c]!)).toBeLessThan(1e-3);
        }
      },
    );
  }
});
