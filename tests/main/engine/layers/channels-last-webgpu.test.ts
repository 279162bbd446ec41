/**
 * The Conv3d weight layout change on WebGPU at a size Merlin needs: its layer4 1x1x1 convolutions
 * (2048 x 512) once went through tfjs-backend-webgpu's 2-D transpose as a [1048576, 1] tensor,
 * which needs 65,536 workgroups in one dimension and was refused on every GPU ("Dispatch size
 * exceeds WebGPU limits"), so Merlin's image tower could not run on a GPU at any input size.
 * Runs on Mesa lavapipe in CI (CTVLM_REQUIRE_WEBGPU=1), which has the same 65,535 limit.
 */
import { describe, expect, it } from 'vitest';
import { torchToTfFilter } from '../../../../src/main/engine/layers/channels-last';
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
});
