/**
 * The MedCT-VLM preset: which modules it adapts and how many trainable parameters that makes,
 * counted from shapes for the released CT-CLIP (nothing allocated) and checked against a real
 * application on a tiny model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isLoraLayer } from '../../../../../src/main/engine/lora/lora-layer';
import { CtClip } from '../../../../../src/main/engine/models/ctclip/ct-clip';
import {
  CTCLIP_FULL,
  CTCLIP_TINY,
  CtClipConfigSchema,
} from '../../../../../src/main/engine/models/ctclip/ctclip-config';
import {
  countParameters,
  ctClipTensorShapes,
} from '../../../../../src/main/engine/models/ctclip/ctclip-parameter-shapes';
import {
  MEDCT_VLM_TEXT_LORA,
  MEDCT_VLM_VISION_LORA,
  applyMedCtVlmLora,
  loraCountFromShapes,
} from '../../../../../src/main/engine/models/ctclip/medct-vlm-lora';
import { tf } from '../../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('MedCT-VLM LoRA preset', () => {
  it('has the paper hyperparameters', () => {
    expect(MEDCT_VLM_VISION_LORA).toMatchObject({ rank: 16, alpha: 32, dropout: 0.05 });
    expect(MEDCT_VLM_TEXT_LORA).toMatchObject({ rank: 8, alpha: 16 });
  });

  /**
   * Vision: to_q (512->256), to_kv (512->512), to_out (256->512) in 8 layers, r = 16: 24 modules,
   * 327,680 parameters. Text: query, key, value, attention.output.dense (768->768),
   * intermediate.dense (768->3072), output.dense (3072->768) in 12 layers and pooler.dense, r = 8:
   * 73 modules, 1,339,392 parameters. Together 97 adapted layers and 1,667,072 parameters, 0.38% of
   * 438,148,761: the paper's "97 adapter layers" and "1.67M (0.38%)". Its per-encoder table
   * (vision 1.2M, text 0.47M) cannot come from these targets (24 vision adapters of r = 16 hold at
   * most 24 x 16 x 1024 = 393,216), so only the totals are pinned.
   */
  it('adds 1,667,072 trainable parameters in 97 layers to the released CT-CLIP, as the paper reports', () => {
    const config = CtClipConfigSchema.parse(CTCLIP_FULL);
    const vision = loraCountFromShapes(config, MEDCT_VLM_VISION_LORA);
    const text = loraCountFromShapes(config, MEDCT_VLM_TEXT_LORA);
    expect(vision.modules).toHaveLength(24);
    expect(
      vision.modules.every((m) =>
        /^visual_transformer\.enc_(spatial|temporal)_transformer\.layers\.\d\.1\.to_(q|kv|out)$/.test(m),
      ),
    ).toBe(true);
    expect(vision.parameters).toBe(327_680);
    expect(text.modules).toHaveLength(73);
    expect(text.modules).toContain('text_transformer.pooler.dense');
    expect(text.parameters).toBe(1_339_392);
    const total = vision.parameters + text.parameters;
    expect(vision.modules.length + text.modules.length).toBe(97);
    expect(total).toBe(1_667_072);
    expect(Math.round((total / countParameters(ctClipTensorShapes(config))) * 10_000) / 100).toBe(0.38);
  });

  it('wraps exactly the modules counted from shapes and trains only their factors', async () => {
    const model = new CtClip(CTCLIP_TINY).eval();
    const volume = tf.randomNormal([1, 2, 12, 12, 1], 0, 1, 'float32', 11);
    const before = model.encodeImage(volume);
    try {
      const applied = applyMedCtVlmLora(model, 3);
      const vision = loraCountFromShapes(model.config, MEDCT_VLM_VISION_LORA);
      const text = loraCountFromShapes(model.config, MEDCT_VLM_TEXT_LORA);
      expect(applied.wrapped.sort()).toEqual([...vision.modules, ...text.modules].sort());
      expect(applied.trainableParameters).toBe(vision.parameters + text.parameters);
      expect(model.parameterCount(true)).toBe(vision.parameters + text.parameters);
      const wrapper = model.namedModules().find(([name]) => name.endsWith('layers.0.1.to_kv'))?.[1];
      expect(isLoraLayer(wrapper) && wrapper.scaling).toBe(2);
      // lora_B starts at zero: the adapted model computes what the base did.
      await expectNoTensorLeak(() => {
        const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(before, model.encodeImage(volume)))).dataSync()[0]);
        expect(difference).toBeLessThan(1e-6);
      });
    } finally {
      tf.dispose([volume, before]);
      model.dispose();
    }
  });
});
