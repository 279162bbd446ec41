/**
 * The built-in preprocessing presets, matching the reference code exactly
 * (../shared/reference/reference-implementations.md), and loading a user's preset from JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors';
import { PresetSchema, type Preset } from './preset-schema';

/**
 * Merlin as fine-tuned by the HCC paper's code. MONAI: Orientationd RAS; Spacingd
 * (1.5, 1.5, 3) "bilinear" (trilinear in 3D, border padding); ScaleIntensityRanged
 * a_min -1000, a_max 1000 → [0, 1], clip=True (after resampling). Then: pad in-plane to
 * 224x224 with 0, resize the depth to exactly 160 slices (trilinear, align_corners=True), centre
 * crop to 224x224x160. Pad-to-at-least then centre-crop is one centre crop-or-pad per axis.
 * The encoder takes (B,1,224,224,160) in X,Y,Z order (Z fastest): the engine transposes.
 */
export const MERLIN_PRESET: Preset = {
  name: 'merlin',
  description: 'Merlin (abdomen): 1.5x1.5x3 mm, HU [-1000,1000] to [0,1], 224x224 in-plane, depth resized to 160.',
  orientation: 'RAS',
  spacing: { mm: [1.5, 1.5, 3], grid: 'monai-spacing' },
  interpolation: 'trilinear',
  intensity: { huWindow: [-1000, 1000], outputRange: [0, 1], clip: 'after-resampling' },
  depthSlices: 160,
  output: { size: [224, 224, 160], padValue: 0 },
  layout: { shape: [1, 224, 224, 160], axes: 'CXYZ', note: 'Merlin reads (B,1,X,Y,Z), Z fastest.' },
};

/**
 * CT-CLIP (chest, CT-RATE), as its data_inference_nii.py does it: clip HU to [-1000, 1000], then
 * F.interpolate(size=int(n * old/new), trilinear, align_corners=False) to 0.75x0.75x1.5 mm,
 * divide by 1000, centre crop or pad with -1 to 480x480x240, permute to (1, 240, 480, 480).
 */
export const CTCLIP_PRESET: Preset = {
  name: 'ctclip',
  description: 'CT-CLIP (chest): 0.75x0.75x1.5 mm, HU [-1000,1000] divided by 1000, 480x480x240, padded with -1.',
  orientation: 'RAS',
  spacing: { mm: [0.75, 0.75, 1.5], grid: 'torch-resize' },
  interpolation: 'trilinear',
  intensity: { huWindow: [-1000, 1000], outputRange: [-1, 1], clip: 'before-resampling' },
  output: { size: [480, 480, 240], padValue: -1 },
  layout: {
    shape: [1, 240, 480, 480],
    axes: 'CZXY',
    note: "CT-CLIP permutes its (i, j, k) array to (k, i, j): depth first, then the file's first two voxel axes, the second fastest. Our x-fastest array read row-major is (z, y, x): same shape, x and y swapped.",
  },
};

/** For CPU work and tests: the whole abdomen at 6x6x10 mm in 64x64x32 voxels. */
export const TINY_PRESET: Preset = {
  name: 'tiny',
  description: 'Small CPU preset: 6x6x10 mm, HU [-1000,1000] to [0,1], 64x64x32.',
  orientation: 'RAS',
  spacing: { mm: [6, 6, 10], grid: 'monai-spacing' },
  interpolation: 'trilinear',
  intensity: { huWindow: [-1000, 1000], outputRange: [0, 1], clip: 'after-resampling' },
  output: { size: [64, 64, 32], padValue: 0 },
  layout: { shape: [1, 32, 64, 64], axes: 'CZYX' },
};

/** Twice the tiny preset's resolution: 3x3x5 mm in 128x128x64 voxels (same field of view). */
export const SMALL_PRESET: Preset = {
  name: 'small',
  description: 'Small GPU preset: 3x3x5 mm, HU [-1000,1000] to [0,1], 128x128x64.',
  orientation: 'RAS',
  spacing: { mm: [3, 3, 5], grid: 'monai-spacing' },
  interpolation: 'trilinear',
  intensity: { huWindow: [-1000, 1000], outputRange: [0, 1], clip: 'after-resampling' },
  output: { size: [128, 128, 64], padValue: 0 },
  layout: { shape: [1, 64, 128, 128], axes: 'CZYX' },
};

export const BUILT_IN_PRESETS: readonly Preset[] = [MERLIN_PRESET, CTCLIP_PRESET, TINY_PRESET, SMALL_PRESET];

export function builtInPreset(name: string): Preset | undefined {
  return BUILT_IN_PRESETS.find((preset) => preset.name === name);
}

/** A built-in preset by name, or a preset JSON file by path. */
export function resolvePreset(nameOrFile: string): Preset {
  const builtIn = builtInPreset(nameOrFile);
  if (builtIn) return builtIn;
  const looksLikeFile = nameOrFile.endsWith('.json') || nameOrFile.includes('/') || nameOrFile.includes(path.sep);
  if (!looksLikeFile) {
    throw new UserError(
      'INVALID_INPUT',
      `Unknown preset "${nameOrFile}". Use one of ${BUILT_IN_PRESETS.map((p) => p.name).join(', ')}, or the path of a preset JSON file.`,
    );
  }
  return loadPresetFile(nameOrFile);
}

export function loadPresetFile(file: string): Preset {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError('INVALID_INPUT', `Cannot read the preset file ${file} (${code}).`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError('INVALID_INPUT', `The preset file ${file} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = PresetSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new UserError(
      'INVALID_INPUT',
      `The preset file ${file} is not a valid preset: ${problems.join('; ')}. A preset has name, description, orientation, spacing, interpolation, intensity, optional depthSlices, output and layout, like the built-in ones.`,
    );
  }
  return parsed.data;
}
