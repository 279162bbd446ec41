/**
 * `ctvlm embed`: the image and text embeddings of an imported foundation model (with an
 * adapter), to check a conversion against the Python pipeline.
 */
import type { Command } from 'commander';
import { releaseBackends, selectBackend } from '../../main/engine/backends/select-backend';
import { embedWithFoundationModel, type EmbedResult } from '../../main/models/foundation/embed-foundation-model';
import type { Run } from './project-target';

interface EmbedOptions {
  model: string;
  image: string;
  text: string;
  adapter?: string;
  preset?: string;
  preprocess: boolean;
  tokenizer?: string;
  backend?: string;
}

export function registerEmbedCommand(program: Command, run: Run): void {
  program
    .command('embed')
    .description("an imported model's L2-normalised image and text embeddings (compare them with your Python pipeline)")
    .requiredOption('--model <id>', 'an imported model (`ctvlm model list`) or its folder')
    .requiredOption('--image <volume>', 'a NIfTI file or a DICOM folder')
    .requiredOption('--text <text>', 'a report or a prompt')
    .option('--adapter <folder>', 'a PEFT adapter folder trained on this model')
    .option(
      '--preset <name-or-file>',
      "preprocessing instead of the model's own (merlin, ctclip, tiny, small or a JSON file)",
    )
    .option(
      '--no-preprocess',
      "take the volume's voxels as the model's input as stored (no reorientation, resampling or intensity map)",
    )
    .option('--tokenizer <folder>', 'a tokenizer folder instead of the one imported with the model')
    .option('--backend <name>', 'the compute backend (default: the best one that passes its self-test)')
    .action((options: EmbedOptions) =>
      run(async (cli) => {
        const backend = await selectBackend({ force: options.backend });
        try {
          const result = await embedWithFoundationModel(cli.dataDir, {
            model: options.model,
            image: options.image,
            text: options.text,
            adapter: options.adapter,
            preset: options.preset,
            raw: !options.preprocess,
            tokenizer: options.tokenizer,
          });
          cli.output.result({ ...result, backend: backend.chosen }, () => formatEmbed(result, backend.chosen));
        } finally {
          await releaseBackends();
        }
      }),
    );
}

function formatEmbed(result: EmbedResult, backend: string): string {
  const vector = (values: readonly number[]): string => `[${values.map((v) => v.toFixed(6)).join(', ')}]`;
  return [
    `${result.model} (${result.arch})${result.adapter ? ` + adapter ${result.adapter}` : ''} on ${backend}`,
    `image  ${result.image.file} (${result.image.preprocessing}, ${result.image.dims.join('x')})`,
    `text   "${result.text.prepared}" (${result.text.ids.length} tokens)`,
    `image embedding  ${vector(result.imageEmbedding)}`,
    `text embedding   ${vector(result.textEmbedding)}`,
    `cosine           ${result.cosine.toFixed(6)}`,
  ].join('\n');
}
