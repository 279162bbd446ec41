import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import {
  AdapterConfigSchema,
  alphaOf,
  dropoutOf,
  rankOf,
  type AdapterConfig,
} from '../../../../src/main/engine/io/adapter-config';
import type { AdapterTensor } from '../../../../src/main/engine/io/adapter-types';
import { readAdapter, writeAdapter } from '../../../../src/main/engine/io/peft-adapter';
import { loraKey, parseLoraKey } from '../../../../src/main/engine/io/peft-keys';
import { readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { tempDir } from '../../../helpers/temp-dir';

const SHA = 'ab'.repeat(32);

function config(overrides: Partial<AdapterConfig> = {}): AdapterConfig {
  return {
    peft_type: 'LORA',
    r: 2,
    lora_alpha: 2,
    lora_dropout: 0,
    target_modules: ['conv1', 'query'],
    base_model_name_or_path: 'merlin-i3-resnet152',
    bias: 'none',
    task_type: null,
    fan_in_fan_out: false,
    inference_mode: true,
    ctvlm: { format_version: 1, base_model_sha256: SHA, conv_lora_modules: ['layer1.0.conv1'] },
    ...overrides,
  };
}

function filled(shape: number[], seed: number): AdapterTensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.cos(i + seed) / 7);
  return { data, shape };
}

function tensors(): Map<string, AdapterTensor> {
  return new Map([
    [loraKey('layer1.0.conv1', 'A'), filled([2, 3, 3, 3, 3], 1)],
    [loraKey('layer1.0.conv1', 'B'), filled([4, 2, 1, 1, 1], 2)],
    [loraKey('encoder.layer.0.attention.self.query', 'A'), filled([2, 5], 3)],
    [loraKey('encoder.layer.0.attention.self.query', 'B'), filled([6, 2], 4)],
  ]);
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

describe('PEFT adapter folders', () => {
  it('uses PEFT key names', () => {
    expect(loraKey('layer1.0.conv1', 'A')).toBe('base_model.model.layer1.0.conv1.lora_A.weight');
    expect(parseLoraKey('base_model.model.encoder.layer.0.attention.self.query.lora_B.weight')).toEqual({
      modulePath: 'encoder.layer.0.attention.self.query',
      part: 'B',
    });
    expect(parseLoraKey('base_model.model.layer1.0.conv1.lora_A.default.weight')).toBeUndefined();
  });

  it('round-trips config and tensors bit for bit, in the files PEFT writes', () => {
    const folder = path.join(tempDir(), 'adapter');
    writeAdapter(folder, { config: config(), tensors: tensors() });
    expect(fs.readdirSync(folder).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);

    const json = JSON.parse(fs.readFileSync(path.join(folder, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(json)).toEqual([...Object.keys(json)].sort()); // PEFT's sort_keys
    expect(json).toMatchObject({
      peft_type: 'LORA',
      r: 2,
      lora_alpha: 2,
      lora_dropout: 0,
      target_modules: ['conv1', 'query'],
      base_model_name_or_path: 'merlin-i3-resnet152',
      bias: 'none',
      task_type: null,
      fan_in_fan_out: false,
      inference_mode: true,
      use_dora: false,
      use_rslora: false,
      modules_to_save: null,
      ctvlm: { format_version: 1, base_model_sha256: SHA, conv_lora_modules: ['layer1.0.conv1'] },
    });
    expect(readSafetensors(path.join(folder, 'adapter_model.safetensors')).metadata.get('format')).toBe('pt');

    const adapter = readAdapter(folder);
    expect(adapter.source).toBe(folder);
    expect(adapter.config).toMatchObject(config());
    expect(new Set(adapter.tensors.keys())).toEqual(new Set(tensors().keys()));
    for (const [key, original] of tensors()) {
      const back = adapter.tensors.get(key);
      expect(back?.shape).toEqual(original.shape);
      expect(Buffer.from(back?.data.buffer ?? new ArrayBuffer(0))).toEqual(Buffer.from(original.data.buffer));
    }

    // Writing what was read gives the same files.
    const again = path.join(tempDir(), 'again');
    writeAdapter(again, adapter);
    for (const name of ['adapter_config.json', 'adapter_model.safetensors']) {
      expect(fs.readFileSync(path.join(again, name))).toEqual(fs.readFileSync(path.join(folder, name)));
    }
  });

  it('refuses an invalid config before writing anything', () => {
    const folder = path.join(tempDir(), 'adapter');
    const error = refusal(() => writeAdapter(folder, { config: config({ r: 0 }), tensors: tensors() }));
    expect(error.message).toMatch(/adapter_config\.json: the adapter config is invalid \(r: /);
    expect(fs.existsSync(folder)).toBe(false);
  });

  it('gives a clear error for a corrupt or incomplete adapter_config.json, naming the file', () => {
    const folder = path.join(tempDir(), 'adapter');
    writeAdapter(folder, { config: config(), tensors: tensors() });
    const configFile = path.join(folder, 'adapter_config.json');

    fs.writeFileSync(configFile, '{"peft_type": "LORA", "r": ');
    let error = refusal(() => readAdapter(folder));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`${configFile} is not valid JSON`);

    const json = JSON.parse(JSON.stringify({ ...config(), r: '2' })) as Record<string, unknown>;
    delete json.lora_alpha;
    fs.writeFileSync(configFile, JSON.stringify(json));
    error = refusal(() => readAdapter(folder));
    expect(error.message).toContain(`${configFile} is not a LoRA adapter config`);
    expect(error.message).toMatch(/r: .*number/);
    expect(error.message).toMatch(/lora_alpha: /);

    fs.writeFileSync(configFile, JSON.stringify({ ...config(), ctvlm: undefined }));
    expect(refusal(() => readAdapter(folder)).message).toMatch(/ctvlm: /);

    fs.writeFileSync(configFile, JSON.stringify({ ...config(), use_dora: true }));
    expect(refusal(() => readAdapter(folder)).message).toMatch(/use_dora: /);

    fs.rmSync(configFile);
    error = refusal(() => readAdapter(folder));
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toContain(`Could not read ${configFile} (ENOENT)`);
  });

  it('refuses adapter tensors that are not LoRA pairs of the config rank', () => {
    const folder = path.join(tempDir(), 'adapter');
    const unpaired = tensors();
    unpaired.delete(loraKey('encoder.layer.0.attention.self.query', 'B'));
    expect(refusal(() => writeAdapter(folder, { config: config(), tensors: unpaired })).message).toMatch(
      /layer encoder\.layer\.0\.attention\.self\.query has lora_A but no lora_B/,
    );

    const foreign = tensors().set('base_model.model.head.weight', filled([2], 0));
    expect(refusal(() => writeAdapter(folder, { config: config(), tensors: foreign })).message).toMatch(
      /tensor "base_model\.model\.head\.weight" is not a LoRA weight/,
    );

    expect(refusal(() => writeAdapter(folder, { config: config({ r: 4 }), tensors: tensors() })).message).toMatch(
      /has rank 2 .* but adapter_config\.json says r = 4/,
    );

    const notListed = config({ ctvlm: { format_version: 1, base_model_sha256: SHA, conv_lora_modules: [] } });
    expect(refusal(() => writeAdapter(folder, { config: notListed, tensors: tensors() })).message).toMatch(
      /layer1\.0\.conv1 has Conv3d factors but is not listed in ctvlm\.conv_lora_modules/,
    );
  });

  it('refuses, on reading, an adapter file whose rank differs from its config', () => {
    const folder = path.join(tempDir(), 'adapter');
    writeAdapter(folder, { config: config(), tensors: tensors() });
    const configFile = path.join(folder, 'adapter_config.json');
    fs.writeFileSync(configFile, JSON.stringify({ ...config(), r: 8 }));
    expect(refusal(() => readAdapter(folder)).message).toMatch(/but adapter_config\.json says r = 8/);
  });

  it("resolves per-layer rank and alpha as PEFT's get_pattern_key does, and dropout by exact path", () => {
    const query0 = 'encoder.layer.0.attention.self.query';
    const c = config({
      r: 2,
      lora_alpha: 4,
      rank_pattern: { [query0]: 16, 'layer\\.1\\..*\\.(query|key)': 8, query: 3 },
      alpha_pattern: { query: 32 },
      ctvlm: {
        format_version: 1,
        base_model_sha256: SHA,
        conv_lora_modules: [],
        dropout_pattern: { [query0]: 0.2 },
      },
    });
    expect(rankOf(c, query0)).toBe(16); // full path
    expect(rankOf(c, 'encoder.layer.1.attention.self.key')).toBe(8); // a regex key
    expect(rankOf(c, 'encoder.layer.1.attention.self.query')).toBe(8); // the first matching key wins
    expect(rankOf(c, 'encoder.layer.2.attention.self.query')).toBe(3); // a suffix after a dot
    expect(rankOf(c, 'encoder.layer.2.attention.self.myquery')).toBe(2); // not after a dot: r
    expect(rankOf(c, 'encoder.layer.2.attention.self.query.extra')).toBe(2); // must match to the end
    expect(rankOf(c, 'query')).toBe(3); // the whole path
    expect(alphaOf(c, 'encoder.layer.2.attention.self.query')).toBe(32);
    expect(alphaOf(c, 'layer1.0.conv1')).toBe(4);
    expect(dropoutOf(c, query0)).toBe(0.2);
    expect(dropoutOf(c, 'encoder.layer.1.attention.self.query')).toBe(0); // no suffix matching of our own key
  });

  it('accepts rank_pattern / alpha_pattern / dropout_pattern and refuses bad ones', () => {
    const valid = (extra: Record<string, unknown>): boolean =>
      AdapterConfigSchema.safeParse({ ...config(), ...extra }).success;
    expect(valid({ rank_pattern: { query: 4 }, alpha_pattern: { query: 0.5 } })).toBe(true);
    expect(valid({ rank_pattern: {}, alpha_pattern: {} })).toBe(true);
    expect(valid({ rank_pattern: { query: 2.5 } })).toBe(false);
    expect(valid({ rank_pattern: { query: 0 } })).toBe(false);
    expect(valid({ alpha_pattern: { query: -1 } })).toBe(false);
    expect(valid({ rank_pattern: { 'la(yer': 4 } })).toBe(false); // not a regex
    expect(valid({ rank_pattern: { '(?P<x>query)': 4 } })).toBe(false); // Python-only syntax
    expect(valid({ use_rslora: true })).toBe(false);
    const ctvlm = config().ctvlm;
    expect(valid({ ctvlm: { ...ctvlm, dropout_pattern: { query: 0.2 } } })).toBe(true);
    expect(valid({ ctvlm: { ...ctvlm, dropout_pattern: { query: 1 } } })).toBe(false);
    expect(valid({ ctvlm: { ...ctvlm, saved_parameters: ['temperature', 'temperature'] } })).toBe(false);
  });

  it('writes and reads an adapter whose layers have different ranks, refusing one whose pattern disagrees', () => {
    const folder = path.join(tempDir(), 'adapter');
    const query = 'encoder.layer.0.attention.self.query';
    const mixed = tensors()
      .set(loraKey(query, 'A'), filled([4, 5], 3))
      .set(loraKey(query, 'B'), filled([6, 4], 4));
    const c = config({ rank_pattern: { [query]: 4 }, alpha_pattern: { [query]: 8 } });
    writeAdapter(folder, { config: c, tensors: mixed });
    const json = JSON.parse(fs.readFileSync(path.join(folder, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ r: 2, rank_pattern: { [query]: 4 }, alpha_pattern: { [query]: 8 } });
    expect(readAdapter(folder).config).toMatchObject(c);

    expect(refusal(() => writeAdapter(folder, { config: config(), tensors: mixed })).message).toMatch(
      /layer encoder\.layer\.0\.attention\.self\.query has rank 4 .* says r = 2 for it/,
    );
    fs.writeFileSync(
      path.join(folder, 'adapter_config.json'),
      JSON.stringify({ ...c, rank_pattern: { [query]: 4, conv1: 4 } }),
    );
    expect(refusal(() => readAdapter(folder)).message).toMatch(
      /layer layer1\.0\.conv1 has rank 2 .* says r = 4 \(rank_pattern\) for it/,
    );
  });
});
