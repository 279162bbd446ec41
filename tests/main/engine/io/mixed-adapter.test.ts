/**
 * One adapter mixing ConvLoRA r=2 α=2 on the image convs with LoRA r=16 α=32 dropout 0.2 on the
 * text attention, plus parameters trained whole (projections, temperature): PEFT's rank_pattern /
 * alpha_pattern / modules_to_save, and the refusals that must leave the model as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { alphaOf, rankOf, type AdapterConfig } from '../../../../src/main/engine/io/adapter-config';
import { loadAdapterInto, saveAdapter } from '../../../../src/main/engine/io/adapter-files';
import { loadCheckpoint, saveCheckpoint, type CheckpointInfo } from '../../../../src/main/engine/io/model-checkpoint';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapter } from '../../../../src/main/engine/io/peft-adapter';
import { readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { writeSafetensors } from '../../../../src/main/engine/io/safetensors-writer';
import { applyLora } from '../../../../src/main/engine/lora/apply-lora';
import { loraLayers } from '../../../../src/main/engine/lora/lora-modules';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import type { Module } from '../../../../src/main/engine/module';
import { tf } from '../../../../src/main/engine/tf';
import { UserError } from '../../../../src/shared/errors';
import { tempDir } from '../../../helpers/temp-dir';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import { outputs, randomizeAll, randomizeLora, TEST_MODEL, TEXT_TARGETS } from './ct-vlm-fixtures';

/** Every conv of the I3 ResNet's stem and blocks (not the downsample or contrastive-head convs). */
const CONV_TARGETS = /encode_image\.i3_resnet\.(conv1|layer\d\.\d+\.conv[123])/;
const SAVED = [
  'temperature',
  'encode_text.linear_layer.weight',
  'encode_text.linear_layer.bias',
  'encode_image.i3_resnet.contrastive_head.weight',
  'encode_image.i3_resnet.contrastive_head.bias',
];
const QUERY0 = 'encode_text.text_encoder.encoder.layer.0.attention.self.query';
const CONV_STEM = 'encode_image.i3_resnet.conv1';

interface Fixture {
  base: CheckpointInfo;
  folder: string;
  expected: { image: Float32Array; text: Float32Array };
  temperature: number;
  /** Outputs of the plain base model, which the adapter must change. */
  plain: { image: Float32Array; text: Float32Array };
}

function mixLora(model: Module): void {
  applyLora(model, { targets: CONV_TARGETS, kind: 'conv-lora', rank: 2, alpha: 2, dropout: 0 });
  applyLora(model, { targets: TEXT_TARGETS, kind: 'lora', rank: 16, alpha: 32, dropout: 0.2 });
}

/** A base checkpoint and a mixed adapter "trained" on it (random factors, changed saved parameters). */
function fixture(): Fixture {
  const dir = tempDir();
  const model = new CtVlm(TEST_MODEL);
  randomizeAll(model, 3);
  const base = saveCheckpoint(model, path.join(dir, 'base'), { modelId: 'tiny-base' });
  const plain = outputs(model.eval());
  mixLora(model);
  randomizeLora(model, 21);
  const parameters = new Map(model.namedParameters());
  SAVED.forEach((name, i) => {
    const variable = parameters.get(name);
    if (!variable) throw new Error(`no ${name}`);
    const value =
      name === 'temperature' ? tf.scalar(0.37) : tf.randomUniform(variable.shape, -0.5, 0.5, 'float32', 500 + i);
    variable.assign(value);
    value.dispose();
  });
  const folder = path.join(dir, 'mixed');
  saveAdapter(model, folder, {
    baseModelId: base.modelId,
    baseSha256: base.sha256,
    name: 'mixed',
    savedParameters: SAVED,
  });
  const expected = outputs(model.eval());
  const temperature = model.temperature.dataSync()[0] ?? NaN;
  model.dispose();
  return { base, folder, expected, temperature, plain };
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i += 1)
    worst = Math.max(worst, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
  expect(worst, `${what}: largest difference`).toBeLessThanOrEqual(1e-6);
}

function expectDifferent(a: Float32Array, b: Float32Array, what: string): void {
  expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), `${what} should differ`).toBe(false);
}

/** Every state-dict value, copied (names include the wrappers', so the adapter structure counts too). */
function snapshot(model: Module): Map<string, Float32Array | Int32Array | Uint8Array> {
  return new Map(
    [...model.stateDict()].map(([name, value]) => [
      name,
      value.dataSync().slice() as Float32Array | Int32Array | Uint8Array,
    ]),
  );
}

function expectSameSnapshot(a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [name, value] of a) {
    const other = b.get(name);
    expect(other && Buffer.from(other.buffer).equals(Buffer.from(value.buffer)), `${name} changed`).toBe(true);
  }
}

function refusal(action: () => unknown): UserError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

async function freshWith(fx: Fixture, folder = fx.folder): Promise<CtVlm> {
  const { model, modelId, sha256 } = await loadCheckpoint(fx.base.folder);
  loadAdapterInto(model, folder, { modelId, sha256 });
  return model.eval();
}

/** A copy of the adapter folder with its config and/or weights edited. */
function edited(
  fx: Fixture,
  edit: {
    config?: (config: Record<string, unknown> & { ctvlm: Record<string, unknown> }) => void;
    tensors?: (tensors: ReturnType<typeof readSafetensors>['tensors']) => void;
  },
): string {
  const folder = path.join(tempDir(), 'edited');
  fs.cpSync(fx.folder, folder, { recursive: true });
  if (edit.config) {
    const file = path.join(folder, ADAPTER_CONFIG_FILE);
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & {
      ctvlm: Record<string, unknown>;
    };
    edit.config(config);
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
  }
  if (edit.tensors) {
    const file = path.join(folder, ADAPTER_WEIGHTS_FILE);
    const { tensors, metadata } = readSafetensors(file);
    edit.tensors(tensors);
    writeSafetensors(file, tensors, metadata);
  }
  return folder;
}

describe('an adapter mixing ConvLoRA, LoRA and saved parameters', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('saves PEFT rank_pattern / alpha_pattern, our dropout_pattern, modules_to_save and saved_parameters', () => {
    const fx = fixture();
    const config = JSON.parse(fs.readFileSync(path.join(fx.folder, ADAPTER_CONFIG_FILE), 'utf8')) as AdapterConfig & {
      modules_to_save: string[];
    };
    const text = [0, 1].flatMap((layer) =>
      ['query', 'key', 'value'].map((part) => `encode_text.text_encoder.encoder.layer.${layer}.attention.self.${part}`),
    );
    // 16 convs at (2, 2) outnumber 6 attention projections at (16, 32)
    expect(config).toMatchObject({ r: 2, lora_alpha: 2, lora_dropout: 0 });
    expect(config.rank_pattern).toEqual(Object.fromEntries(text.map((name) => [name, 16])));
    expect(config.alpha_pattern).toEqual(Object.fromEntries(text.map((name) => [name, 32])));
    expect(Object.keys(config.rank_pattern ?? {})).toEqual([...text].sort()); // PEFT's sort_keys order
    expect(config.ctvlm.dropout_pattern).toEqual(Object.fromEntries(text.map((name) => [name, 0.2])));
    expect(config.ctvlm.saved_parameters).toEqual(SAVED);
    expect(config.modules_to_save).toEqual(['encode_text.linear_layer', 'encode_image.i3_resnet.contrastive_head']);
    expect(config.ctvlm.conv_lora_modules).toHaveLength(16);
    expect(config.target_modules).toHaveLength(22);
    for (const name of config.target_modules) {
      const isText = name.startsWith('encode_text');
      expect([rankOf(config, name), alphaOf(config, name)], name).toEqual(isText ? [16, 32] : [2, 2]);
    }
    const tensors = readSafetensors(path.join(fx.folder, ADAPTER_WEIGHTS_FILE)).tensors;
    expect(tensors.get(`base_model.model.${QUERY0}.lora_A.weight`)?.shape).toEqual([16, 16]);
    expect(tensors.get(`base_model.model.${CONV_STEM}.lora_A.weight`)?.shape).toEqual([2, 1, 3, 7, 7]);
    expect(tensors.get('base_model.model.temperature')?.shape).toEqual([]);
    expect(tensors.get('base_model.model.temperature')?.data[0]).toBeCloseTo(0.37, 6);
    expect(tensors.get('base_model.model.encode_text.linear_layer.weight')?.shape).toEqual([8, 16]);
  });

  it('round-trips into a fresh base model: each layer its own rank, alpha and dropout; same outputs and temperature', async () => {
    const fx = fixture();
    const model = await freshWith(fx);
    const layers = new Map(loraLayers(model));
    expect(layers.size).toBe(22);
    for (const [name, layer] of layers) {
      expect([layer.rank, layer.alpha, layer.dropout], name).toEqual(
        name.startsWith('encode_text') ? [16, 32, 0.2] : [2, 2, 0],
      );
    }
    const got = outputs(model);
    expectDifferent(got.image, fx.plain.image, 'image embeddings (adapter vs base)');
    expectDifferent(got.text, fx.plain.text, 'text embeddings (adapter vs base)');
    expectClose(got.image, fx.expected.image, 'image embeddings');
    expectClose(got.text, fx.expected.text, 'text embeddings');
    expect(Math.abs((model.temperature.dataSync()[0] ?? NaN) - fx.temperature)).toBeLessThanOrEqual(1e-6);
    expect(fx.temperature).toBeCloseTo(0.37, 6);

    // Saving what was loaded gives the same files.
    const again = path.join(tempDir(), 'again');
    saveAdapter(model, again, {
      baseModelId: 'tiny-base',
      baseSha256: fx.base.sha256,
      name: 'again',
      savedParameters: SAVED,
    });
    for (const file of [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]) {
      expect(fs.readFileSync(path.join(again, file)).equals(fs.readFileSync(path.join(fx.folder, file))), file).toBe(
        true,
      );
    }
    model.dispose();
  });

  it('loads again over itself and refuses broken copies without leaking tensors or changing the model', async () => {
    const fx = fixture();
    const model = await freshWith(fx);
    const base = { modelId: 'tiny-base', sha256: fx.base.sha256 };
    const wrongShape = edited(fx, {
      tensors: (tensors) => {
        const key = 'base_model.model.encode_text.linear_layer.weight';
        const tensor = tensors.get(key);
        if (!tensor) throw new Error(`no ${key}`);
        tensors.set(key, { ...tensor, shape: [16, 8] }); // as many values, transposed shape
      },
    });
    const noTensor = edited(fx, { tensors: (tensors) => tensors.delete('base_model.model.temperature') });
    const notInBase = edited(fx, {
      config: (config) => {
        config.ctvlm.saved_parameters = [...SAVED, 'encode_text.extra.weight'];
      },
      tensors: (tensors) => {
        tensors.set('base_model.model.encode_text.extra.weight', {
          dtype: 'F32',
          shape: [2],
          data: new Float32Array(2),
        });
      },
    });
    const buffer = 'encode_image.i3_resnet.bn1.running_mean';
    const aBuffer = edited(fx, {
      config: (config) => {
        config.ctvlm.saved_parameters = [...SAVED, buffer];
      },
      tensors: (tensors) => {
        tensors.set(`base_model.model.${buffer}`, { dtype: 'F32', shape: [4], data: new Float32Array(4) });
      },
    });
    const inAdaptedLayer = edited(fx, {
      config: (config) => {
        config.ctvlm.saved_parameters = [...SAVED, `${QUERY0}.bias`];
      },
      tensors: (tensors) => {
        tensors.set(`base_model.model.${QUERY0}.bias`, { dtype: 'F32', shape: [16], data: new Float32Array(16) });
      },
    });

    await expectNoTensorLeak(() => {
      loadAdapterInto(model, fx.folder, base); // the same adapter again: same structure, same tensors
      expectClose(outputs(model).text, fx.expected.text, 'text embeddings after reloading');
      const before = snapshot(model);
      const cases: Array<[string, RegExp, string?]> = [
        [
          wrongShape,
          /its encode_text\.linear_layer\.weight is \[16, 8\], but the base model's is \[8, 16\]/,
          'ADAPTER_BASE_MISMATCH',
        ],
        [
          noTensor,
          /ctvlm\.saved_parameters lists temperature, but the weights file has no tensor "base_model\.model\.temperature"/,
        ],
        [
          notInBase,
          /carries parameter encode_text\.extra\.weight, which the base model does not have/,
          'ADAPTER_BASE_MISMATCH',
        ],
        [
          aBuffer,
          /carries encode_image\.i3_resnet\.bn1\.running_mean, which is not a parameter of base model tiny-base/,
          'ADAPTER_BASE_MISMATCH',
        ],
        [
          inAdaptedLayer,
          /lists encode_text\.text_encoder\.encoder\.layer\.0\.attention\.self\.query\.bias, a parameter of layer encode_text\.text_encoder\.encoder\.layer\.0\.attention\.self\.query, which the adapter adapts/,
        ],
      ];
      for (const [folder, message, code] of cases) {
        const error = refusal(() => loadAdapterInto(model, folder, base));
        expect(error.message, folder).toMatch(message);
        if (code) expect(error.code, folder).toBe(code);
        expectSameSnapshot(before, snapshot(model));
      }
    });
    model.dispose();
  });

  it('refuses a layer whose factors do not have the rank its pattern (or r) gives it; the model is unchanged', async () => {
    const fx = fixture();
    const patternSaysEight = edited(fx, {
      config: (config) => {
        (config.rank_pattern as Record<string, number>)[QUERY0] = 8;
      },
    });
    const noPattern = edited(fx, {
      config: (config) => {
        delete (config.rank_pattern as Record<string, number>)[QUERY0];
      },
    });
    // A short PEFT-style key that matches every "query" layer by suffix, placed first: it wins.
    const shortKey = edited(fx, {
      config: (config) => {
        config.rank_pattern = { query: 4, ...(config.rank_pattern as Record<string, number>) };
      },
    });
    expect(refusal(() => readAdapter(patternSaysEight)).message).toMatch(
      new RegExp(
        `layer ${QUERY0.replace(/\./g, '\\.')} has rank 16 .* but adapter_config\\.json says r = 8 \\(rank_pattern\\) for it`,
      ),
    );
    expect(refusal(() => readAdapter(noPattern)).message).toMatch(/query has rank 16 .* says r = 2 for it/);
    expect(refusal(() => readAdapter(shortKey)).message).toMatch(
      /query has rank 16 .* says r = 4 \(rank_pattern\) for it/,
    );

    const model = await freshWith(fx);
    const before = snapshot(model);
    for (const folder of [patternSaysEight, noPattern, shortKey]) {
      refusal(() => loadAdapterInto(model, folder, { modelId: 'tiny-base', sha256: fx.base.sha256 }));
      expectSameSnapshot(before, snapshot(model));
    }
    model.dispose();
  });

  it('refuses to save a saved parameter the model does not have, or a LoRA-wrapped weight, writing nothing', () => {
    const model = new CtVlm(TEST_MODEL);
    mixLora(model);
    const base = { baseModelId: 'tiny-base', baseSha256: 'ab'.repeat(32), name: 'bad' };
    for (const name of ['encode_text.nope.weight', `${QUERY0}.weight`]) {
      const folder = path.join(tempDir(), 'bad');
      const error = refusal(() => saveAdapter(model, folder, { ...base, savedParameters: [name] }));
      expect(error.message).toContain(`the model has no parameter ${name}`);
      expect(fs.existsSync(folder)).toBe(false);
    }
    model.dispose();
  });
});
