import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { Conv3d } from '../../../../src/main/engine/layers/conv3d';
import { Linear } from '../../../../src/main/engine/layers/linear';
import { applyLora } from '../../../../src/main/engine/lora/apply-lora';
import { ConvLora3d } from '../../../../src/main/engine/lora/conv-lora-3d';
import { LoraLinear } from '../../../../src/main/engine/lora/lora-linear';
import {
  convLoraParameterCount,
  loraLinearParameterCount,
} from '../../../../src/main/engine/lora/lora-parameter-count';
import { tf } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import { TEXT_LAYERS, TEXT_WIDTH, TINY_CONVS, TinyNet, tinyInputs } from './tiny-lora-net';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const BOTTLENECK = /image\.layer\d+\.\d+\.(conv[123]|downsample\.0)/;

function trainableNames(model: TinyNet): string[] {
  return model
    .namedParameters()
    .filter(([, v]) => v.trainable)
    .map(([name]) => name);
}

function moduleAt(model: TinyNet, name: string): unknown {
  return new Map(model.namedModules()).get(name);
}

describe('applyLora', () => {
  it('wraps exactly the matching Linear modules (PEFT suffix match) and freezes everything else', async () => {
    await expectNoTensorLeak(() => {
      const model = new TinyNet();
      const result = applyLora(model, { targets: ['query', 'value'], rank: 2, alpha: 4, dropout: 0.1, kind: 'lora' });
      const expected = [0, 1].flatMap((i) => [
        `text.encoder.layer.${i}.attention.query`,
        `text.encoder.layer.${i}.attention.value`,
      ]);
      expect(result.wrapped).toEqual(expected);
      for (const name of expected) expect(moduleAt(model, name)).toBeInstanceOf(LoraLinear);
      expect(moduleAt(model, 'text.encoder.layer.0.attention.key')).toBeInstanceOf(Linear);
      expect(moduleAt(model, 'text.encoder.layer.1.attention.dense')).toBeInstanceOf(Linear);

      expect(trainableNames(model)).toEqual(
        expected.flatMap((name) => [`${name}.lora_A.weight`, `${name}.lora_B.weight`]),
      );
      expect(
        model.namedParameters().find(([name]) => name === 'text.encoder.layer.0.attention.query.base_layer.weight')?.[1]
          .trainable,
      ).toBe(false);
      expect(result.trainableParameters).toBe(2 * TEXT_LAYERS * loraLinearParameterCount(TEXT_WIDTH, TEXT_WIDTH, 2));
      expect(result.trainableParameters).toBe(4 * 2 * (8 + 8));
      model.dispose();
    });
  });

  it('wraps the bottleneck convs by a whole-name RegExp, with the ConvLoRA count r·in·k³ + out·r', async () => {
    await expectNoTensorLeak(() => {
      const model = new TinyNet();
      const result = applyLora(model, { targets: BOTTLENECK, rank: 2, alpha: 2, dropout: 0, kind: 'conv-lora' });
      expect(result.wrapped).toEqual(Object.keys(TINY_CONVS));
      for (const name of result.wrapped) expect(moduleAt(model, name)).toBeInstanceOf(ConvLora3d);
      expect(moduleAt(model, 'image.stem')).toBeInstanceOf(Conv3d);
      const formula = Object.values(TINY_CONVS).reduce(
        (sum, c) => sum + convLoraParameterCount(c.in, c.out, c.k, 2),
        0,
      );
      expect(formula).toBe(2 * 4 + 2 * 2 + (2 * 2 * 27 + 2 * 2) + (2 * 2 + 6 * 2) + (2 * 4 + 6 * 2));
      expect(result.trainableParameters).toBe(formula);
      model.dispose();
    });
  });

  it('keeps earlier adapters and keepTrainable parameters trainable across applications', async () => {
    await expectNoTensorLeak(() => {
      const model = new TinyNet();
      const image = applyLora(model, { targets: BOTTLENECK, rank: 2, alpha: 2, dropout: 0, kind: 'conv-lora' });
      const text = applyLora(model, {
        targets: ['query', 'key', 'value'],
        rank: 4,
        alpha: 8,
        dropout: 0.2,
        kind: 'auto',
        keepTrainable: /^head\./,
      });
      const textLora = 3 * TEXT_LAYERS * loraLinearParameterCount(TEXT_WIDTH, TEXT_WIDTH, 4);
      const head = (6 + TEXT_WIDTH) * 3 + 3;
      expect(text.trainableParameters).toBe(image.trainableParameters + textLora + head);
      expect(model.parameterCount(true)).toBe(text.trainableParameters);
      model.dispose();
    });
  });

  it('at initialisation leaves the model output exactly unchanged', async () => {
    await expectNoTensorLeak(() => {
      const model = new TinyNet();
      const { volume, tokens } = tinyInputs(3);
      const before = model.apply(volume, tokens);
      applyLora(model, { targets: BOTTLENECK, rank: 2, alpha: 2, dropout: 0, kind: 'conv-lora' });
      applyLora(model, { targets: ['query', 'value'], rank: 2, alpha: 4, dropout: 0, kind: 'lora' });
      const after = model.apply(volume, tokens);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(before, after))).dataSync()[0])).toBe(0);
      tf.dispose([volume, tokens, before, after]);
      model.dispose();
    });
  });

  it('refuses a pattern that matches nothing, naming it, and changes nothing', async () => {
    await expectNoTensorLeak(() => {
      const model = new TinyNet();
      const names = model.namedModules().map(([name]) => name);
      expect(() =>
        applyLora(model, { targets: ['query', 'qeury'], rank: 2, alpha: 2, dropout: 0, kind: 'lora' }),
      ).toThrow(/"qeury" matches no module/);
      // A RegExp must match the whole name: /conv1/ is not found inside "image.layer1.0.conv1".
      expect(() => applyLora(model, { targets: /conv1/, rank: 2, alpha: 2, dropout: 0, kind: 'auto' })).toThrow(
        /\/conv1\/ matches no module/,
      );
      expect(model.namedModules().map(([name]) => name)).toEqual(names);
      expect(model.parameterCount(true)).toBe(model.parameterCount());
      model.dispose();
    });
  });

  it('refuses bad hyperparameters, the wrong kind, non-layer targets and wrapping twice', async () => {
    await expectNoTensorLeak(() => {
      const model = new TinyNet();
      const spec = { targets: ['query'], rank: 2, alpha: 2, dropout: 0, kind: 'lora' as const };
      for (const bad of [{ rank: 0 }, { rank: -1 }, { alpha: 0 }, { alpha: -2 }, { dropout: 1 }, { dropout: -0.5 }]) {
        expect(() => applyLora(model, { ...spec, ...bad })).toThrow(UserError);
      }
      expect(() => applyLora(model, { ...spec, targets: ['conv1'] })).toThrow(/lora does not wrap/);
      expect(() => applyLora(model, { ...spec, targets: ['attention'] })).toThrow(/wraps only Linear and Conv3d/);
      applyLora(model, spec);
      expect(() => applyLora(model, spec)).toThrow(/already has a LoRA adapter/);
      model.dispose();
    });
  });
});
