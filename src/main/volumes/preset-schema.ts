/**
 * What a preprocessing preset is: plain data, so a user can add one from a JSON file and the
 * cache can tell when a definition changed. The built-in presets live in presets.ts; the code
 * that applies one is preprocess.ts.
 *
 * Order of operations (the reference pipelines, see presets.ts):
 *   input in canonical RAS → trilinear resampling to `spacing.mm` (with the HU window applied
 *   before or after it, `intensity.clip`) → linear map of the window to `intensity.outputRange`
 *   → optional resize of the depth to exactly `depthSlices` (align_corners) → centre crop or
 *   pad (with `output.padValue`, in output units) to `output.size`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

const positive = z.number().finite().positive();
const size = z.number().int().min(1).max(4096);

export const PresetSchema = z
  .object({
    /** Also the cache folder's name (files/cache/<name>/), so it must be a safe file name. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" or "-", at most 64 characters'),
    description: z.string().max(500),
    /** Input voxel axes must point Right, Anterior, Superior (what the readers return). */
    orientation: z.literal('RAS'),
    spacing: z
      .object({
        /** Target voxel size along x, y, z in millimetres. */
        mm: z.tuple([positive, positive, positive]),
        /**
         * How the output grid is placed and sized (see resample-grid.ts):
         * - `monai-spacing`: MONAI Spacing. The first voxel keeps its world position; the
         *   size is round((n - 1) * old / new + 1); samples outside clamp to the border.
         * - `torch-resize`: torch F.interpolate(size=floor(n * old / new), align_corners=False),
         *   as CT-CLIP does. The spacing is then n / size * old, close to but not exactly `mm`.
         */
        grid: z.enum(['monai-spacing', 'torch-resize']),
      })
      .strict(),
    interpolation: z.literal('trilinear'),
    intensity: z
      .object({
        /** The HU window [low, high]: values outside are clipped to it. */
        huWindow: z.tuple([z.number().finite(), z.number().finite()]),
        /** The window is mapped linearly onto this range: low → first, high → second. */
        outputRange: z.tuple([z.number().finite(), z.number().finite()]),
        /** MONAI clips after resampling (Merlin); CT-CLIP clips the HU before resizing. */
        clip: z.enum(['after-resampling', 'before-resampling']),
      })
      .strict()
      .refine((i) => i.huWindow[0] < i.huWindow[1], 'huWindow must be [low, high] with low < high'),
    /** Resize the depth to exactly this many slices (trilinear, align_corners=True) before the crop. */
    depthSlices: size.optional(),
    output: z
      .object({
        /** Final grid size x, y, z (centre crop or pad). */
        size: z.tuple([size, size, size]),
        /** Value of padded voxels, in output units (after the intensity map). */
        padValue: z.number().finite(),
      })
      .strict(),
    /**
     * The tensor layout the model expects, for the engine: `axes` names each dimension of
     * `shape` (C channel, X, Y, Z), the last varying fastest. Preprocessed arrays themselves are
     * always x-fastest (read as row-major (z, y, x), i.e. axes "CZYX").
     */
    layout: z
      .object({
        shape: z.array(size).min(3).max(5),
        axes: z.string().regex(/^[CXYZ]{3,5}$/),
        note: z.string().max(500).optional(),
      })
      .strict(),
  })
  .strict();

export type Preset = z.infer<typeof PresetSchema>;

/**
 * A stable identity of a preset definition: sha256 of its canonical JSON (keys sorted at every
 * level). Any change to the definition, the description included, changes it.
 */
export function presetFingerprint(preset: Preset): string {
  return createHash('sha256').update(canonicalJson(preset)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
