/**
 * The HCC-Merlin PEFT preset: on the full-size Merlin (counted from shapes, nothing allocated) it
 * trains exactly the paper's 916,992 ConvLoRA + 884,736 LoRA parameters, plus contrastive_head,
 * linear_layer and the temperature: 3,244,545 in all. On a small Merlin, applying it wraps exactly
 * the modules the shape count assumed and leaves exactly that many parameters trainable.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LORA, DEFAULT_TEXT_LORA } from '../../../../../src/shared/api/run-schemas';
import { loraParameterNames } from '../../../../../src/main/engine/lora/lora-modules';
import { symmetricInfoNce } from '../../../../../src/main/engine/losses/info-nce';
import { inverseTemperatureScale } from '../../../../../src/main/engine/losses/logit-scale';
import {
  HCC_MERLIN_IMAGE_LORA,
  HCC_MERLIN_TEXT_LORA,
  applyHccMerlinPeft,
  hccMerlinParameterCounts,
  loraTargetModules,
} from '../../../../../src/main/engine/models/merlin/hcc-merlin-peft';
import { Merlin } from '../../../../../src/main/engine/models/merlin/merlin';
import {
  MERLIN_FULL,
  MERLIN_TINY,
  MerlinConfigSchema,
} from '../../../../../src/main/engine/models/merlin/merlin-config';
import { merlinTensorShapes } from '../../../../../src/main/engine/models/merlin/merlin-parameter-shapes';
import { tf } from '../../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the HCC-Merlin PEFT preset', () => {
  it("is the `peft` run method's default adapters", () => {
    expect(HCC_MERLIN_IMAGE_LORA).toEqual(DEFAULT_IMAGE_LORA);
    expect(HCC_MERLIN_TEXT_LORA).toEqual(DEFAULT_TEXT_LORA);
    expect(HCC_MERLIN_IMAGE_LORA).toMatchObject({ rank: 2, alpha: 2, dropout: 0 });
    expect(HCC_MERLIN_TEXT_LORA).toMatchObject({ rank: 16, alpha: 32, dropout: 0.2 });
  });

  it("gives the full-size Merlin the paper's trainable-parameter counts, from shapes alone", () => {
    const config = MerlinConfigSchema.parse(MERLIN_FULL);
    const shapes = merlinTensorShapes(config);
    const convs = loraTargetModules(shapes, HCC_MERLIN_IMAGE_LORA);
    const linears = loraTargetModules(shapes, HCC_MERLIN_TEXT_LORA);
    expect(convs).toHaveLength(154);
    expect(convs.some((c) => c.name === 'encode_image.i3_resnet.conv1')).toBe(false); // the stem
    expect(convs.filter((c) => c.name.endsWith('.downsample.0'))).toHaveLength(4);
    expect(linears).toHaveLength(36);
    expect(linears.every((l) => /\.attention\.self\.(query|key|value)$/.test(l.name))).toBe(true);

    const counts = hccMerlinParameterCounts(config);
    expect(counts.convLora).toBe(916_992);
    expect(counts.textLora).toBe(884_736);
    expect(counts.whole).toBe(2048 * 512 + 512 + (768 * 512 + 512) + 1); // contrastive_head, linear_layer, temperature
    expect(counts.trainable).toBe(3_244_545);
    expect(counts.total).toBe(270_935_389 + 916_992 + 884_736);
    expect(counts.trainable / counts.total).toBeCloseTo(0.012, 3); // the paper's ~1.2%
  });

  it('wraps exactly those modules on a built model and trains exactly that many parameters', async () => {
    const model = new Merlin(MERLIN_TINY).eval();
    const volume = tf.randomUniform([1, 1, 16, 20, 12], 0, 1, 'float32', 9);
    const ids = tf.tensor2d([[0, 7, 9, 12, 14, 16, 18, 2]], undefined, 'int32');
    const mask = tf.onesLike(ids);
    try {
      const before = tf.tidy(() => [model.encodeImage(volume), model.encodeText(ids, mask)].map((t) => t.arraySync()));
      const wrapped = applyHccMerlinPeft(model, 7);

      const shapes = merlinTensorShapes(model.config);
      const expected = [HCC_MERLIN_IMAGE_LORA, HCC_MERLIN_TEXT_LORA].flatMap((settings) =>
        loraTargetModules(shapes, settings).map((entry) => entry.name),
      );
      expect([...wrapped].sort()).toEqual([...expected].sort());
      expect(wrapped.some((name) => name.endsWith('_global'))).toBe(false);

      const counts = hccMerlinParameterCounts(model.config);
      expect(model.parameterCount(true)).toBe(counts.trainable);
      expect(model.parameterCount()).toBe(counts.total);

      const lora = loraParameterNames(model);
      const trainable = model
        .namedParameters()
        .filter(([, v]) => v.trainable)
        .map(([name]) => name)
        .filter((name) => !lora.has(name));
      expect(trainable.sort()).toEqual(
        [
          'encode_image.i3_resnet.contrastive_head.bias',
          'encode_image.i3_resnet.contrastive_head.weight',
          'encode_text.linear_layer.bias',
          'encode_text.linear_layer.weight',
          'logit_scale',
        ].sort(),
      );
      const batchNorm = model.namedParameters().filter(([name]) => /\.(bn\d|downsample\.1)\./.test(name));
      expect(batchNorm.length).toBeGreaterThan(0);
      expect(batchNorm.every(([, v]) => !v.trainable)).toBe(true);

      // lora_B starts at zero: the adapted model starts as the base model
      const after = await expectNoTensorLeak(() =>
        tf.tidy(() => [model.encodeImage(volume), model.encodeText(ids, mask)].map((t) => t.arraySync())),
      );
      expect(after).toEqual(before);
    } finally {
      tf.dispose([volume, ids, mask]);
      model.dispose();
    }
  });

  it('trains: InfoNCE with logits = cos / logit_scale sends a gradient to every trainable parameter', async () => {
    const model = new Merlin({ ...MERLIN_TINY, text: { ...MERLIN_TINY.text, dropout: 0.1 } });
    applyHccMerlinPeft(model, 3);
    model.train();
    const volume = tf.randomUniform([2, 1, 16, 20, 12], 0, 1, 'float32', 11);
    const ids = tf.tensor2d(
      [
        [0, 7, 9, 12, 14, 16, 18, 2],
        [0, 8, 10, 13, 2, 1, 1, 1],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d(
      [
        [1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    try {
      const named = model.namedParameters().filter(([, v]) => v.trainable);
      const norms = await expectNoTensorLeak(() => {
        const { value, grads } = tf.variableGrads(
          () =>
            symmetricInfoNce(
              model.encodeImage(volume),
              model.encodeText(ids, mask),
              inverseTemperatureScale(model.logit_scale),
            ),
          named.map(([, v]) => v),
        );
        const result = new Map(
          named.map(([name, v]) => [
            name,
            tf.tidy(() => tf.norm(grads[v.name] ?? tf.scalar(NaN)).dataSync()[0] ?? NaN),
          ]),
        );
        tf.dispose([value, ...Object.values(grads)]);
        return result;
      });
      for (const [name, norm] of norms) expect(Number.isFinite(norm), name).toBe(true);
      // lora_B starts at zero, so lora_A's first gradient is zero; lora_B and the whole parameters move.
      for (const [name, norm] of norms) if (!name.includes('.lora_A.')) expect(norm, name).toBeGreaterThan(0);
    } finally {
      tf.dispose([volume, ids, mask]);
      model.dispose();
    }
  });
});
