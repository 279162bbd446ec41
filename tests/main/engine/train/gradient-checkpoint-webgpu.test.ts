/**
 * Gradient checkpointing on WebGPU (Dawn; Mesa lavapipe in CI): a small CtVlm step with dropout on
 * gives the plain path's gradients on the same backend, and leaks no tensor.
 */
import { describe, expect, it } from 'vitest';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM, type CtVlmConfigInput } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import { symmetricInfoNce } from '../../../../src/main/engine/losses/info-nce';
import { tf } from '../../../../src/main/engine/tf';
import { reseedRandomness } from '../../../../src/main/engine/train/reseed-randomness';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('gradient-checkpoint-webgpu.test');

const CONFIG: CtVlmConfigInput = {
  ...TINY_CTVLM,
  image: { stemChannels: 4, widths: [2, 4, 4, 8], blocks: [1, 2, 1, 1] },
  text: { ...TINY_CTVLM.text, hiddenSize: 16, heads: 2, intermediateSize: 32, maxLength: 16, dropout: 0.1 },
  embedDim: 8,
  seed: 3,
};

describe('gradient checkpointing on webgpu', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)('gives the plain gradients of a CtVlm step, without leaking', { timeout: 80_000 }, async () => {
    await tf.setBackend('webgpu');
    const model = new CtVlm(CONFIG).train();
    const volumes = tf.randomUniform([2, 8, 16, 16, 1], 0, 1, 'float32', 1);
    const ids = tf.randomUniform([2, 8], 1, CONFIG.text.vocabSize, 'int32', 2);
    const mask = tf.onesLike(ids);
    const step = async (on: boolean): Promise<Float32Array[]> => {
      model.setGradientCheckpointing(on);
      reseedRandomness(model, 9, 0);
      const { value, grads } = tf.variableGrads(() =>
        symmetricInfoNce(model.encodeVolumes(volumes), model.encodeText(ids, mask), model.logitScale()),
      );
      const names = Object.keys(grads).sort();
      const values = await Promise.all(names.map(async (name) => (await grads[name]!.data()) as Float32Array));
      tf.dispose([value, ...Object.values(grads)]);
      return values;
    };
    const plain = await step(false);
    const before = tf.memory().numTensors;
    const checkpointed = await step(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(checkpointed).toHaveLength(plain.length);
    let scale = 1e-3;
    let diff = 0;
    plain.forEach((values, i) =>
      values.forEach((value, j) => {
        scale = Math.max(scale, Math.abs(value));
        diff = Math.max(diff, Math.abs(value - (checkpointed[i]?.[j] ?? NaN)));
      }),
    );
    expect(diff / scale).toBeLessThanOrEqual(1e-5);
    tf.dispose([volumes, ids, mask]);
    model.dispose();
  });
});
