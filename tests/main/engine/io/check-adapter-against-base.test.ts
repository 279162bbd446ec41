import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import type { AdapterConfig } from '../../../../src/main/engine/io/adapter-config';
import type { Adapter, AdapterTensor } from '../../../../src/main/engine/io/adapter-types';
import {
  checkAdapterAgainstBase,
  type BaseModelDescription,
} from '../../../../src/main/engine/io/check-adapter-against-base';
import { loraKey } from '../../../../src/main/engine/io/peft-keys';

const SHA = 'cd'.repeat(32);
const CONV = 'layer1.0.conv2';
const QUERY = 'encoder.layer.0.attention.self.query';

function zeros(shape: number[]): AdapterTensor {
  return { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
}

function adapter(
  parts: Partial<Record<'convA' | 'convB' | 'queryA' | 'queryB', number[]>> = {},
  r = 2,
  extra: Partial<AdapterConfig> = {},
): Adapter {
  const config: AdapterConfig = {
    peft_type: 'LORA',
    r,
    lora_alpha: 2,
    lora_dropout: 0,
    target_modules: ['conv2', 'query'],
    base_model_name_or_path: 'merlin',
    bias: 'none',
    task_type: null,
    fan_in_fan_out: false,
    inference_mode: true,
    ctvlm: { format_version: 1, base_model_sha256: SHA, conv_lora_modules: [CONV] },
    ...extra,
  };
  const tensors = new Map<string, AdapterTensor>([
    [loraKey(CONV, 'A'), zeros(parts.convA ?? [2, 8, 3, 3, 3])],
    [loraKey(CONV, 'B'), zeros(parts.convB ?? [16, 2, 1, 1, 1])],
    [loraKey(QUERY, 'A'), zeros(parts.queryA ?? [2, 768])],
    [loraKey(QUERY, 'B'), zeros(parts.queryB ?? [768, 2])],
  ]);
  return { config, tensors, source: '/adapters/hcc' };
}

function base(overrides: Partial<BaseModelDescription> = {}): BaseModelDescription {
  return {
    modelId: 'merlin',
    sha256: SHA,
    shapes: new Map([
      [`${CONV}.weight`, [16, 8, 3, 3, 3]],
      [`${QUERY}.weight`, [768, 768]],
      ['layer1.0.bn2.weight', [16]],
    ]),
    ...overrides,
  };
}

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('INVALID_INPUT');
    return (error as UserError).message;
  }
  throw new Error('expected a refusal');
}

describe('checkAdapterAgainstBase', () => {
  it('accepts an adapter that fits its base model (Conv3d and Linear layers)', () => {
    expect(() => checkAdapterAgainstBase(adapter(), base())).not.toThrow();
    expect(() => checkAdapterAgainstBase(adapter(), base({ sha256: SHA.toUpperCase() }))).not.toThrow();
  });

  it('refuses a different base checkpoint, naming both hashes', () => {
    const other = 'ef'.repeat(32);
    const message = refusal(() => checkAdapterAgainstBase(adapter(), base({ sha256: other })));
    expect(message).toContain('Adapter /adapters/hcc does not fit base model merlin');
    expect(message).toContain(`sha256 ${SHA}`);
    expect(message).toContain(`this checkpoint's sha256 is ${other}`);
  });

  it('refuses lora_A or lora_B shapes that do not fit the layer', () => {
    expect(refusal(() => checkAdapterAgainstBase(adapter({ convA: [2, 8, 1, 1, 1] }), base()))).toMatch(
      /lora_A of layer1\.0\.conv2 is \[2, 8, 1, 1, 1\], but base weight \[16, 8, 3, 3, 3\] with r = 2 needs \[2, 8, 3, 3, 3\]/,
    );
    expect(refusal(() => checkAdapterAgainstBase(adapter({ convB: [32, 2, 1, 1, 1] }), base()))).toMatch(
      /lora_B of layer1\.0\.conv2 is \[32, 2, 1, 1, 1\], but .* needs \[16, 2, 1, 1, 1\]/,
    );
    expect(refusal(() => checkAdapterAgainstBase(adapter({ queryA: [2, 512] }), base()))).toMatch(
      /lora_A of encoder\.layer\.0\.attention\.self\.query is \[2, 512\], but base weight \[768, 768\] with r = 2 needs \[2, 768\]/,
    );
    expect(refusal(() => checkAdapterAgainstBase(adapter({ queryB: [512, 2] }), base()))).toMatch(
      /lora_B of encoder\.layer\.0\.attention\.self\.query is \[512, 2\]/,
    );
  });

  it('refuses factors whose rank differs from the config r', () => {
    expect(refusal(() => checkAdapterAgainstBase(adapter({}, 4), base()))).toMatch(
      /layer layer1\.0\.conv2 has rank 2 .* but adapter_config\.json says r = 4/,
    );
  });

  it('refuses a layer the base model does not have, or of another kind', () => {
    const shapes = new Map(base().shapes);
    shapes.delete(`${QUERY}.weight`);
    expect(refusal(() => checkAdapterAgainstBase(adapter(), base({ shapes })))).toMatch(
      /adapts layer encoder\.layer\.0\.attention\.self\.query, but the base model has no encoder\.layer\.0\.attention\.self\.query\.weight/,
    );
    shapes.set(`${QUERY}.weight`, [768, 768, 1, 1, 1]);
    expect(refusal(() => checkAdapterAgainstBase(adapter(), base({ shapes })))).toMatch(
      /has a 5-D weight \[768, 768, 1, 1, 1\] but 2-D LoRA factors/,
    );
  });

  it('refuses a layer that target_modules does not name', () => {
    const narrow = adapter();
    narrow.config.target_modules = ['conv2'];
    expect(refusal(() => checkAdapterAgainstBase(narrow, base()))).toMatch(
      /layer encoder\.layer\.0\.attention\.self\.query is not named by target_modules \["conv2"\]/,
    );
    narrow.config.target_modules = '.*\\.(conv2|query)';
    expect(() => checkAdapterAgainstBase(narrow, base())).not.toThrow();
  });

  it('checks each layer against its own rank: rank_pattern, else r', () => {
    const perLayer = { rank_pattern: { [QUERY]: 4 }, alpha_pattern: { [QUERY]: 8 } };
    const mixed = (parts: Parameters<typeof adapter>[0]): Adapter => adapter(parts, 2, perLayer);
    expect(() => checkAdapterAgainstBase(mixed({ queryA: [4, 768], queryB: [768, 4] }), base())).not.toThrow();
    // the conv layer keeps r = 2; the query layer must be at 4
    expect(refusal(() => checkAdapterAgainstBase(mixed({}), base()))).toMatch(
      /layer encoder\.layer\.0\.attention\.self\.query has rank 2 .* says r = 4 \(rank_pattern\) for it/,
    );
    expect(
      refusal(() =>
        checkAdapterAgainstBase(mixed({ queryA: [4, 768], queryB: [768, 4], convA: [4, 8, 3, 3, 3] }), base()),
      ),
    ).toMatch(/layer layer1\.0\.conv2 has rank 4 .* says r = 2 for it/);
    expect(refusal(() => checkAdapterAgainstBase(mixed({ queryA: [4, 512], queryB: [768, 4] }), base()))).toMatch(
      /lora_A of encoder\.layer\.0\.attention\.self\.query is \[4, 512\], but base weight \[768, 768\] with r = 4 needs \[4, 768\]/,
    );
    // a PEFT-style short key applies by suffix
    const short = adapter({ queryA: [4, 768], queryB: [768, 4] }, 2, { rank_pattern: { query: 4 } });
    expect(() => checkAdapterAgainstBase(short, base())).not.toThrow();
  });

  it('refuses a saved parameter the base model lacks or has in another shape, naming it', () => {
    const withSaved = (shape: number[]): Adapter => {
      const a = adapter();
      a.config.ctvlm.saved_parameters = ['layer1.0.bn2.weight'];
      a.tensors.set('base_model.model.layer1.0.bn2.weight', zeros(shape));
      return a;
    };
    expect(() => checkAdapterAgainstBase(withSaved([16]), base())).not.toThrow();
    expect(refusal(() => checkAdapterAgainstBase(withSaved([4, 4]), base()))).toMatch(
      /its layer1\.0\.bn2\.weight is \[4, 4\], but the base model's is \[16\]/,
    );
    const shapes = new Map(base().shapes);
    shapes.delete('layer1.0.bn2.weight');
    expect(refusal(() => checkAdapterAgainstBase(withSaved([16]), base({ shapes })))).toMatch(
      /it carries parameter layer1\.0\.bn2\.weight, which the base model does not have/,
    );
  });
});
