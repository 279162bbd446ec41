import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/shared/errors';
import { presetFingerprint, PresetSchema, type Preset } from '../../../src/main/volumes/preset-schema';
import {
  BUILT_IN_PRESETS,
  CTCLIP_PRESET,
  loadPresetFile,
  MERLIN_PRESET,
  resolvePreset,
  TINY_PRESET,
} from '../../../src/main/volumes/presets';
import { tempDir } from '../../helpers/temp-dir';

function writeJson(value: unknown): string {
  const file = path.join(tempDir(), 'preset.json');
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('presets', () => {
  it('are valid data under the schema a user preset must follow', () => {
    for (const preset of BUILT_IN_PRESETS) expect(PresetSchema.parse(preset)).toEqual(preset);
    expect(BUILT_IN_PRESETS.map((p) => p.name)).toEqual(['merlin', 'ctclip', 'tiny', 'small']);
  });

  it('hold the reference pipelines’ numbers', () => {
    expect(MERLIN_PRESET).toMatchObject({
      spacing: { mm: [1.5, 1.5, 3], grid: 'monai-spacing' },
      intensity: { huWindow: [-1000, 1000], outputRange: [0, 1], clip: 'after-resampling' },
      depthSlices: 160,
      output: { size: [224, 224, 160], padValue: 0 },
    });
    expect(CTCLIP_PRESET).toMatchObject({
      spacing: { mm: [0.75, 0.75, 1.5], grid: 'torch-resize' },
      intensity: { huWindow: [-1000, 1000], outputRange: [-1, 1], clip: 'before-resampling' },
      output: { size: [480, 480, 240], padValue: -1 },
      layout: { shape: [1, 240, 480, 480] },
    });
  });

  it('resolves a built-in name or a preset JSON file', () => {
    expect(resolvePreset('ctclip')).toBe(CTCLIP_PRESET);
    const mine: Preset = { ...TINY_PRESET, name: 'liver-32', output: { size: [32, 32, 16], padValue: 0 } };
    expect(resolvePreset(writeJson(mine))).toEqual(mine);
  });

  it('refuses an unknown name, naming the choices', () => {
    expect(() => resolvePreset('merlinn')).toThrow(/Unknown preset "merlinn".*merlin, ctclip, tiny, small/);
  });

  it('refuses an invalid preset file, naming the field that is wrong', () => {
    const bad = { ...TINY_PRESET, spacing: { mm: [6, -6, 10], grid: 'monai-spacing' } };
    const error = (() => {
      try {
        loadPresetFile(writeJson(bad));
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('INVALID_INPUT');
    expect((error as UserError).message).toContain('spacing.mm.1');

    const unsafeName = writeJson({ ...TINY_PRESET, name: '../escape' });
    expect(() => loadPresetFile(unsafeName)).toThrow(/name/);
    const notJson = path.join(tempDir(), 'broken.json');
    fs.writeFileSync(notJson, '{ "name": ');
    expect(() => loadPresetFile(notJson)).toThrow(/not valid JSON/);
    expect(() => loadPresetFile(path.join(tempDir(), 'missing.json'))).toThrow(/ENOENT/);
  });

  it('has a fingerprint that ignores key order and follows every change', () => {
    const reversed = reverseKeys(MERLIN_PRESET) as Preset;
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(MERLIN_PRESET));
    expect(presetFingerprint(reversed)).toBe(presetFingerprint(MERLIN_PRESET));
    expect(presetFingerprint({ ...MERLIN_PRESET, depthSlices: 161 })).not.toBe(presetFingerprint(MERLIN_PRESET));
    expect(
      presetFingerprint({ ...MERLIN_PRESET, intensity: { ...MERLIN_PRESET.intensity, huWindow: [-1000, 1001] } }),
    ).not.toBe(presetFingerprint(MERLIN_PRESET));
  });
});
