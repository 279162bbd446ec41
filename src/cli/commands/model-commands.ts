/** `ctvlm model`: the project's base model (the checkpoint evaluations and training start from). */
import path from 'node:path';
import type { Command } from 'commander';
import type { BaseModelInfo } from '../../shared/api/evaluation-schemas';
import { resolveProjectId, type Run } from './project-target';

export function registerModelCommands(program: Command, run: Run): void {
  const model = program.command('model').description("a project's base model: show it, set it");

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
    .description('check a CT-VLM checkpoint folder with its tokenizer and copy both into the project')
    .argument('<project>', 'a project folder or id')
    .argument('<checkpoint>', 'a checkpoint folder (model.safetensors + config.json)')
    .requiredOption('--tokenizer <folder>', "the model's own tokenizer files (tokenizer.json)")
    .requiredOption(
      '--preset <name-or-file>',
      'the preprocessing the model was trained with (merlin, ctclip, tiny, small, or a JSON file)',
    )
    .action((target: string, checkpoint: string, options: { tokenizer: string; preset: string }) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const base = await cli.api.invoke('models.setBase', {
          projectId,
          checkpoint: path.resolve(checkpoint),
          tokenizer: path.resolve(options.tokenizer),
          preset: options.preset,
        });
        cli.output.result(base, () => `Base model set: ${formatBase(base)}`);
      }),
    );
}

function formatBase(base: BaseModelInfo): string {
  return `${base.modelId} (sha256 ${base.sha256.slice(0, 12)}…, ${(base.sizeBytes / 1e6).toFixed(1)} MB, preset ${base.preset}) in ${base.path}`;
}
