/**
 * Config files for `ctvlm model import --config`: Hugging Face style (the text model's own
 * config.json under text_config, the image encoder's sizes under vision_config) resolves to the
 * same sizes as the workbench's own form, and settings the key check cannot see are refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CtClip } from '../../../../src/main/engine/models/ctclip/ct-clip';
import { CtClipConfigSchema } from '../../../../src/main/engine/models/ctclip/ctclip-config';
import { Merlin } from '../../../../src/main/engine/models/merlin/merlin';
import { MerlinConfigSchema } from '../../../../src/main/engine/models/merlin/merlin-config';
import { expectedTensors, parameterCount } from '../../../../src/main/models/foundation/foundation-arch';
import {
  fullConfig,
  readFoundationConfig,
  resolveFoundationConfig,
} from '../../../../src/main/models/foundation/foundation-config';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import { FOUNDATION_FIXTURES, PARITY_DIR } from './parity-volumes';

const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('foundation model configs', () => {
  it('resolves the Hugging Face style fixture configs to the parity models, and reads the native form too', () => {
    for (const arch of ['ctclip', 'merlin'] as const) {
      const native = readJson(path.join(PARITY_DIR, `${arch}-small`, 'config.json')).config;
      const hf = readFoundationConfig(arch, path.join(FOUNDATION_FIXTURES, `${arch}-small-config.json`));
      const parsed = arch === 'ctclip' ? CtClipConfigSchema.parse(native) : MerlinConfigSchema.parse(native);
      const { maxLength: _hfMax, dropout: _hfDropout, ...hfText } = hf.config.text as Record<string, unknown>;
      const { maxLength: _max, dropout: _dropout, ...nativeText } = parsed.text as Record<string, unknown>;
      expect({ ...hf.config, text: hfText }).toEqual({ ...parsed, text: nativeText });
      expect(resolveFoundationConfig(arch, { config: native }, 'parity config.json').config).toEqual(parsed);
    }
  });

  it('lists exactly the tensors a built model has, with their shapes, without building it', async () => {
    await expectNoTensorLeak(() => {
      for (const arch of ['ctclip', 'merlin'] as const) {
        const foundation = readFoundationConfig(arch, path.join(FOUNDATION_FIXTURES, `${arch}-small-config.json`));
        const model = foundation.arch === 'ctclip' ? new CtClip(foundation.config) : new Merlin(foundation.config);
        try {
          const built = [...model.stateDict()].map(([name, t]) => ({ name, shape: [...t.shape] }));
          const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
          expect(expectedTensors(foundation).sort(byName)).toEqual(built.sort(byName));
          const trainable = model.namedParameters().reduce((sum, [, v]) => sum + v.size, 0);
          expect(parameterCount(foundation)).toBe(trainable);
        } finally {
          model.dispose();
        }
      }
    });
  });

  it("assumes the released models' sizes without a config", () => {
    const ctclip = fullConfig('ctclip');
    const merlin = fullConfig('merlin');
    expect(ctclip.arch === 'ctclip' && ctclip.config.text.vocabSize).toBe(30522);
    expect(merlin.arch === 'merlin' && merlin.config.image.blocks).toEqual([3, 8, 36, 3]);
    expect(parameterCount(merlin)).toBeGreaterThan(270e6);
  });

  it('refuses settings that change the computation but not a shape, and configs for the other arch', () => {
    const base = readJson(path.join(FOUNDATION_FIXTURES, 'ctclip-small-config.json'));
    const text = base.text_config as Record<string, unknown>;
    const resolve = (json: unknown): unknown => resolveFoundationConfig('ctclip', json, 'c.json');
    expect(() => resolve({ ...base, text_config: { ...text, hidden_act: 'relu' } })).toThrow(
      /hidden_act "relu", not "gelu"/,
    );
    expect(() => resolve({ ...base, text_config: { ...text, layer_norm_eps: 1e-5 } })).toThrow(
      /layer_norm_eps 0\.00001, not 1e-12/,
    );
    expect(() => resolve({ ...base, text_config: { ...text, model_type: 'roberta' } })).toThrow(
      /"roberta" model, not "bert"/,
    );
    expect(() => resolve({ ...base, architecture: 'merlin' })).toThrow(/is for "merlin", but --arch is ctclip/);
    expect(() => resolve({ vision_config: {} })).toThrow(/neither Hugging Face style .* text_config: Invalid input/);
    expect(() => resolve({ ...base, vision_config: { image_size: 13 } })).toThrow(/multiple of image\.patchSize/);
    const merlin = readJson(path.join(FOUNDATION_FIXTURES, 'merlin-small-config.json'));
    const mixed = { ...merlin, text_config: { ...(merlin.text_config as object), attention_window: [4, 8] } };
    expect(() => resolveFoundationConfig('merlin', mixed, 'm.json')).toThrow(/attention_window differs between layers/);
  });
});
