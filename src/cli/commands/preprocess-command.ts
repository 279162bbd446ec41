/** `ctvlm preprocess`: write what a model sees of one CT, as a NIfTI that overlays the original. */
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../shared/errors';
import { writeFileAtomic } from '../../main/fs/atomic-write';
import { encodeNifti, encodeNiftiGz } from '../../main/volumes/nifti-writer';
import { preprocess, type PreprocessedVolume } from '../../main/volumes/preprocess';
import { BUILT_IN_PRESETS, resolvePreset } from '../../main/volumes/presets';
import { readVolume } from '../../main/volumes/read-volume';
import { spacingOf } from '../../main/volumes/volume';

import type { Run } from './project-target';

interface PreprocessOptions {
  preset: string;
  output: string;
  series?: string;
}

export function registerPreprocessCommand(program: Command, run: Run): void {
  program
    .command('preprocess')
    .description('resample, window and crop one CT as a model sees it; writes a NIfTI (float32)')
    .argument('<input>', 'a NIfTI file (.nii, .nii.gz) or a folder holding a DICOM CT series')
    .requiredOption(
      '--preset <name-or-file>',
      `${BUILT_IN_PRESETS.map((preset) => preset.name).join(', ')}, or a preset JSON file`,
    )
    .requiredOption('-o, --output <file>', 'the NIfTI file to write (.nii.gz or .nii)')
    .option('--series <uid>', 'the SeriesInstanceUID to read when the DICOM folder holds several series')
    .action((input: string, options: PreprocessOptions) =>
      run(async (cli) => {
        const output = path.resolve(options.output);
        if (!/\.nii(\.gz)?$/i.test(output)) {
          throw new UserError(
            'INVALID_INPUT',
            `The output ${options.output} must end in .nii.gz (compressed) or .nii: it is written as NIfTI.`,
          );
        }
        const preset = resolvePreset(options.preset);
        const volume = await readVolume(
          path.resolve(input),
          options.series ? { seriesInstanceUid: options.series } : {},
        );
        const result = preprocess(volume, preset);
        const nifti = { ...result, description: `ctvlm preprocess ${preset.name}` };
        writeFileAtomic(output, /\.gz$/i.test(output) ? encodeNiftiGz(nifti) : encodeNifti(nifti));
        const summary = summarise(result, output);
        cli.output.result(summary, () => formatSummary(summary));
      }),
    );
}

interface PreprocessSummary {
  output: string;
  preset: string;
  dims: [number, number, number];
  spacingMm: [number, number, number];
  affine: number[];
  range: { min: number; max: number };
}

function summarise(volume: PreprocessedVolume, output: string): PreprocessSummary {
  let min = Infinity;
  let max = -Infinity;
  const { data } = volume;
  for (let i = 0; i < data.length; i += 1) {
    const value = data[i]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return {
    output,
    preset: volume.presetName,
    dims: volume.dims,
    spacingMm: spacingOf(volume.affine),
    affine: volume.affine,
    range: { min, max },
  };
}

function formatSummary(summary: PreprocessSummary): string {
  const spacing = summary.spacingMm.map((mm) => mm.toFixed(2)).join(' x ');
  const { min, max } = summary.range;
  return `Wrote ${summary.output} (${summary.preset}): ${summary.dims.join('x')} voxels, ${spacing} mm, values ${min.toFixed(3)} to ${max.toFixed(3)}`;
}
