import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLora } from '../../../../src/main/engine/lora/apply-lora';
import { loraStateDict } from '../../../../src/main/engine/lora/lora-state-dict';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM, type CtVlmConfigInput } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../../../../src/main/engine/tf';
import { loadTokenizer } from '../../../../src/main/text/tokenizer';
import { REPO_ROOT } from '../../../helpers/paths';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

/** Small enough for quick CPU tests, with every part of the architecture present. */
const TEST_MODEL: CtVlmConfigInput = {
  ...TINY_CTVLM,
  image: { stemChannels: 4, widths: [2, 4, 4, 8], blocks: [1, 2, 1, 1] },
  text: { ...TINY_CTVLM.text, hiddenSize: 16, heads: 2, intermediateSize: 32, maxLength: 24, dropout: 0 },
  embedDim: 8,
};
const VOLUME: [number, number, number, number, number] = [2, 16, 24, 24, 1]; // N, D, H, W, C

const HCC_IMAGE_TARGETS = /encode_image\.i3_resnet\.layer\d\.\d+\.(conv[123]|downsample\.0)/;
const HCC_TEXT_TARGETS = /encode_text\.text_encoder\.encoder\.layer\.\d+\.attention\.self\.(query|key|value)/;

function batch(model: CtVlm): { volumes: tf.Tensor; ids: tf.Tensor; mask: tf.Tensor } {
  const tokenizer = loadTokenizer(path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece'));
  const encoded = tokenizer.encodeBatch(
    ['Hypodense liver mass in segment 7.', 'No focal liver lesion. Spleen normal.'],
    model.config.text.maxLength,
  );
  return {
    volumes: tf.randomUniform(VOLUME, 0, 1, 'float32', 3),
    ids: tf.tensor2d(encoded.ids, [encoded.batch, encoded.maxLength], 'int32'),
    mask: tf.tensor2d(encoded.mask, [encoded.batch, encoded.maxLength], 'int32'),
  };
}

describe('the small CT vision-language model', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('names its parameters as the reference checkpoints do', () => {
    const model = new CtVlm(TEST_MODEL);
    const names = model.namedParameters().map(([name]) => name);
    for (const expected of [
      'encode_image.i3_resnet.conv1.weight',
      'encode_image.i3_resnet.bn1.weight',
      'encode_image.i3_resnet.layer1.0.conv1.weight',
      'encode_image.i3_resnet.layer2.1.conv2.weight',
      'encode_image.i3_resnet.layer2.0.downsample.0.weight',
      'encode_image.i3_resnet.layer2.0.downsample.1.bias',
      'encode_image.i3_resnet.contrastive_head.weight',
      'encode_text.text_encoder.embeddings.word_embeddings.weight',
      'encode_text.text_encoder.encoder.layer.1.attention.self.query.weight',
      'encode_text.text_encoder.encoder.layer.0.attention.output.dense.weight',
      'encode_text.text_encoder.encoder.layer.0.intermediate.dense.weight',
      'encode_text.text_encoder.encoder.layer.0.output.LayerNorm.weight',
      'encode_text.linear_layer.weight',
      'temperature',
    ]) {
      expect(names).toContain(expected);
    }
    expect(model.namedBuffers().map(([name]) => name)).toContain('encode_image.i3_resnet.bn1.running_mean');
    expect(names.some((name) => name.includes('conv1.bias') && name.includes('layer'))).toBe(false); // convs have no bias
    model.dispose();
  });

  it('embeds volumes and reports as L2-normalised vectors, deterministically for a seed, without leaking', async () => {
    await expectNoTensorLeak(() => {
      const a = new CtVlm(TEST_MODEL);
      const b = new CtVlm(TEST_MODEL);
      const { volumes, ids, mask } = batch(a);
      const image = a.encodeImage(volumes);
      const text = a.encodeText(ids, mask);
      expect(image.shape).toEqual([2, 8]);
      expect(text.shape).toEqual([2, 8]);
      const norms = tf.tidy(() => tf.norm(image, 'euclidean', 1).arraySync() as number[]);
      norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
      const again = tf.tidy(() => b.encodeImage(volumes).arraySync());
      expect(again).toEqual(image.arraySync()); // same seed, same model
      tf.dispose([volumes, ids, mask, image, text]);
      a.dispose();
      b.dispose();
    });
  });

  it('uses either temperature parametrisation as the reference does', () => {
    const divide = new CtVlm({ ...TEST_MODEL, temperature: { parametrisation: 'divide', init: 0.07 } });
    const exp = new CtVlm({ ...TEST_MODEL, temperature: { parametrisation: 'exp', init: 1 / 0.07 } });
    expect(divide.logitScale().arraySync()).toBeCloseTo(1 / 0.07, 3);
    expect(exp.temperature.arraySync()).toBeCloseTo(Math.log(1 / 0.07), 5);
    expect(exp.logitScale().arraySync()).toBeCloseTo(1 / 0.07, 3);
    divide.dispose();
    exp.dispose();
  });

  it('takes HCC-Merlin-style adapters: identical at initialisation, used in the forward pass, only adapters trainable', async () => {
    await expectNoTensorLeak(() => {
      const model = new CtVlm(TEST_MODEL);
      const { volumes, ids, mask } = batch(model);
      const before = tf.tidy(() => tf.concat([model.encodeImage(volumes), model.encodeText(ids, mask)]));
      const image = applyLora(model, { targets: HCC_IMAGE_TARGETS, rank: 2, alpha: 2, dropout: 0, kind: 'conv-lora' });
      const text = applyLora(model, {
        targets: HCC_TEXT_TARGETS,
        rank: 4,
        alpha: 8,
        dropout: 0,
        kind: 'lora',
        keepTrainable: /linear_layer|contrastive_head|temperature/,
      });
      expect(image.wrapped).toHaveLength(5 * 3 + 4); // 5 blocks x conv1..3, and each stage's first block has a downsample
      expect(text.wrapped).toHaveLength(2 * 3);
      const after = tf.tidy(() => tf.concat([model.encodeImage(volumes), model.encodeText(ids, mask)]));
      expect(after.arraySync()).toEqual(before.arraySync()); // B = 0: exactly the base model
      // Give every lora_B a value: now both towers must change.
      for (const [name, variable] of model.namedParameters()) {
        if (name.endsWith('lora_B.weight')) tf.tidy(() => variable.assign(tf.fill(variable.shape, 0.05)));
      }
      const changed = tf.tidy(() => tf.concat([model.encodeImage(volumes), model.encodeText(ids, mask)]));
      const diff = tf.tidy(() => tf.sub(changed, before).abs().max(1));
      const perRow = diff.arraySync() as number[];
      perRow.forEach((d) => expect(d).toBeGreaterThan(1e-4)); // image rows and text rows alike
      const trainable = model
        .namedParameters()
        .filter(([, v]) => v.trainable)
        .map(([n]) => n);
      expect(trainable.every((n) => n.includes('lora_') || /linear_layer|contrastive_head|temperature/.test(n))).toBe(
        true,
      );
      const adapters = loraStateDict(model);
      expect([...adapters.keys()].every((k) => k.includes('lora_'))).toBe(true);
      tf.dispose([volumes, ids, mask, before, after, changed, diff, ...adapters.values()]);
      model.dispose();
    });
  });

  it('lowers its contrastive loss in a few Adam steps on a fixed batch, training only what is trainable', async () => {
    await expectNoTensorLeak(() => {
      const model = new CtVlm(TEST_MODEL);
      const { volumes, ids, mask } = batch(model);
      applyLora(model, {
        targets: HCC_TEXT_TARGETS,
        rank: 4,
        alpha: 8,
        dropout: 0,
        kind: 'lora',
        keepTrainable: /linear_layer|contrastive_head|temperature/,
      });
      const frozen = model.namedParameters().find(([n]) => n === 'encode_image.i3_resnet.conv1.weight')?.[1];
      const frozenBefore = frozen?.arraySync();
      const optimizer = tf.train.adam(0.01);
      const losses: number[] = [];
      for (let step = 0; step < 6; step += 1) {
        const cost = optimizer.minimize(
          () => model.contrastiveLoss(volumes, ids, mask),
          true,
          model.trainableParameters(),
        );
        losses.push(cost?.dataSync()[0] ?? NaN);
        cost?.dispose();
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)).toBeLessThan(losses[0] ?? 0);
      expect(frozen?.arraySync()).toEqual(frozenBefore);
      optimizer.dispose();
      tf.dispose([volumes, ids, mask]);
      model.dispose();
    });
  });
});
