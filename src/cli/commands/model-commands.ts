/**
 * `ctvlm model`: the model library (published Merlin / CT-CLIP checkpoints imported once into the
 * data folder: import, list) and a project's base model (the checkpoint evaluations and training
 * start from: show, set-base).
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { BaseModelInfo } from '../../shared/api/evaluation-schemas';
import {
  FOUNDATION_ARCHS,
  FoundationArchSchema,
  ImportFoundationModelResultSchema,
  type FoundationModelInfo,
  type ImportFoundationModelResult,
} from '../../shared/api/foundation-model-schemas';
import { UserError } from '../../shared/errors';
import { resolveProjectId, type Run } from './project-target';

interface ImportOptions {
  arch: string;
  config?: string;
  tokenizer?: string;
  name?: string;
}

export function registerModelCommands(program: Command, run: Run): void {
  const model = program
    .command('model')
    .description("foundation models: import a checkpoint, list the library; a project's base model: show, set");

  model
    .command('import')
    .description('import a Merlin or CT-CLIP checkpoint (.pt/.pth, read without running its code, or .safetensors)')
    .argument('<file>', 'the checkpoint file')
    .requiredOption('--arch <arch>', `the architecture: ${FOUNDATION_ARCHS.join(' or ')}`)
    .option(
      '--config <file>',
      "Hugging Face style config (text_config, vision_config); the released model's sizes without it",
    )
    .option(
      '--tokenizer <folder>',
      "the model's own tokenizer files (tokenizer.json, vocab.txt, or vocab.json + merges.txt)",
    )
    .option('--name <id>', 'the id to store it under (default: the file name)')
    .action((file: string, options: ImportOptions) =>
      run(async (cli) => {
        const arch = FoundationArchSchema.safeParse(options.arch);
        if (!arch.success) {
          throw new UserError(
            'INVALID_INPUT',
            `--arch must be ${FOUNDATION_ARCHS.join(' or ')}, not "${options.arch}".`,
          );
        }
        const { jobId } = await cli.api.invoke('models.import', {
          file: path.resolve(file),
          arch: arch.data,
          ...(options.config === undefined ? {} : { config: path.resolve(options.config) }),
          ...(options.tokenizer === undefined ? {} : { tokenizer: path.resolve(options.tokenizer) }),
          ...(options.name === undefined ? {} : { name: options.name }),
        });
        const result = ImportFoundationModelResultSchema.parse(await cli.followJob(jobId));
        cli.output.result(result, () => formatImport(result));
      }),
    );

  model
    .command('list')
    .description('the imported foundation models (id, architecture, parameters, size, source sha256, date)')
    .action(() =>
      run(async (cli) => {
        const { models } = await cli.api.invoke('models.list', {});
        cli.output.result({ models }, () => formatList(models));
      }),
    );

  model
    .command('show')
    .description("the project's base model")
    .argument('<project>', 'a project folder or id')
    .action((target: string) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const { base } = await cli.api.invoke('models.base', { projectId });
        cli.output.result({ base }, () =>
          base ? formatBase(base) : 'No base model yet: set one with `ctvlm model set-base PROJECT CHECKPOINT_DIR`.',
        );
      }),
    );

  model
    .command('set-base')
    .description(
      'check a CT-VLM checkpoint folder with its tokenizer, or an imported Merlin / CT-CLIP (--library), and put it into the project',
    )
    .argument('<project>', 'a project folder or id')
    .argument('[checkpoint]', 'a checkpoint folder (model.safetensors + config.json)')
    .option('--library <id>', 'a model of the model library (`ctvlm model list`) instead of a checkpoint folder')
    .option('--tokenizer <folder>', "the checkpoint's own tokenizer files (tokenizer.json)")
    .option(
      '--preset <name-or-file>',
      "the preprocessing the model was trained with (merlin, ctclip, tiny, small, or a JSON file); a library model's own by default",
    )
    .action(
      (
        target: string,
        checkpoint: string | undefined,
        options: { library?: string; tokenizer?: string; preset?: string },
      ) =>
        run(async (cli) => {
          const projectId = await resolveProjectId(cli, target);
          const base = await cli.api.invoke('models.setBase', {
            projectId,
            ...(checkpoint !== undefined ? { checkpoint: path.resolve(checkpoint) } : {}),
            ...(options.tokenizer !== undefined ? { tokenizer: path.resolve(options.tokenizer) } : {}),
            ...(options.library !== undefined ? { library: options.library } : {}),
            ...(options.preset !== undefined ? { preset: options.preset } : {}),
          });
          cli.output.result(base, () => `Base model set: ${formatBase(base)}`);
        }),
    );
}

function formatBase(base: BaseModelInfo): string {
  return `${base.modelId} (sha256 ${base.sha256.slice(0, 12)}…, ${(base.sizeBytes / 1e6).toFixed(1)} MB, preset ${base.preset}) in ${base.path}`;
}

function formatImport(result: ImportFoundationModelResult): string {
  const { model } = result;
  const lines = [
    result.alreadyImported
      ? `Already imported as ${model.id} (same file, same config): nothing was written.`
      : `Imported ${model.id}: ${model.arch} (${model.configName}), ${model.parameters.toLocaleString('en-US')} parameters in ${model.tensors} tensors, ${megabytes(model.sizeBytes)}.`,
    `  source  ${model.source.file} (sha256 ${model.source.sha256})`,
    `  stored  ${model.path}`,
    `  preset  ${model.preset}${model.hasTokenizer ? '' : '; no tokenizer (embed needs --tokenizer)'}`,
  ];
  if (result.notes.length > 0) lines.push('Notes:', ...result.notes.map((note) => `  ${note}`));
  return lines.join('\n');
}

function formatList(models: readonly FoundationModelInfo[]): string {
  if (models.length === 0) return 'No imported models: import one with `ctvlm model import FILE --arch merlin|ctclip`.';
  const rows = models.map((m) => [
    m.id,
    m.arch,
    m.parameters.toLocaleString('en-US'),
    megabytes(m.sizeBytes),
    m.source.sha256.slice(0, 12),
    m.importedAt.slice(0, 10),
  ]);
  const header = ['id', 'arch', 'parameters', 'size', 'source sha256', 'imported'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === 2 || column === 3 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
