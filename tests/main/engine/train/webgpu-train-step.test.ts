/**
 * The whole small CT-VLM trains on WebGPU (Dawn) as on the CPU: one Adam step of symmetric
 * InfoNCE from the same weights gives the same loss and the same updated weights. In CI Dawn
 * runs on Mesa's lavapipe and CTVLM_REQUIRE_WEBGPU=1 turns a missing adapter into a failure.
 * Tolerance: 2e-3 absolute on the loss and on weights after one step of size lr = 1e-3 (Adam's
 * first step moves each weight by about lr, so a wrong gradient shows as an error of order lr or
 * a wrong sign, while float32 reordering between kernels stays far below that).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM, type CtVlmConfigInput } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../../../../src/main/engine/tf';
import { contrastiveStep } from '../../../../src/main/engine/train/contrastive-step';
import { loadTokenizer } from '../../../../src/main/text/tokenizer';
import { REPO_ROOT } from '../../../helpers/paths';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('webgpu-train-step.test');

const MODEL: CtVlmConfigInput = {
  ...TINY_CTVLM,
  image: { stemChannels: 4, widths: [2, 4, 4, 8], blocks: [1, 1, 1, 1] },
  text: { ...TINY_CTVLM.text, hiddenSize: 16, heads: 2, intermediateSize: 32, maxLength: 16, dropout: 0 },
  embedDim: 8,
};

async function oneStep(backend: string): Promise<{ loss: number; weights: Map<string, Float32Array> }> {
  await tf.setBackend(backend);
  const model = new CtVlm(MODEL);
  const tokenizer = loadTokenizer(path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece'));
  model.assertTokenizerFits(tokenizer.vocabSize);
  const encoded = tokenizer.encodeBatch(['Liver mass in segment 7.', 'No ascites.'], MODEL.text.maxLength);
  const volumes = tf.tensor5d(
    Float32Array.from({ length: 2 * 8 * 16 * 16 }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5),
    [2, 8, 16, 16, 1],
  );
  const ids = tf.tensor2d(encoded.ids, [2, MODEL.text.maxLength], 'int32');
  const mask = tf.tensor2d(encoded.mask, [2, MODEL.text.maxLength], 'int32');
  const optimizer = tf.train.adam(1e-3);
  const loss = await contrastiveStep(model, optimizer, { volumes, ids, mask });
  const weights = new Map<string, Float32Array>();
  for (const [name, variable] of model.namedParameters()) weights.set(name, (await variable.data()) as Float32Array);
  optimizer.dispose();
  tf.dispose([volumes, ids, mask]);
  model.dispose();
  return { loss, weights };
}

describe('training on webgpu', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)('takes the same Adam step as the cpu backend', async () => {
    const cpu = await oneStep('cpu');
    const gpu = await oneStep('webgpu');
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(2e-3);
    let worst = 0;
    let worstName = '';
    for (const [name, expected] of cpu.weights) {
      const actual = gpu.weights.get(name);
      expect(actual, name).toBeDefined();
      expected.forEach((value, i) => {
        const error = Math.abs((actual?.[i] ?? NaN) - value);
        if (!(error <= worst)) {
          worst = error;
          worstName = `${name}[${i}]`;
        }
      });
    }
    expect(worst, `worst weight difference at ${worstName}`).toBeLessThan(2e-3);
  });
});
