import path from 'node:path';
import type { Command } from 'commander';
import type { AdapterRow } from '../../shared/api/adapter-schemas';
import type { ApiClient } from '../../shared/api/client';
import { UserError } from '../../shared/errors';
import { resolveProjectId, type Run } from './project-target';

export function registerAdapterCommands(program: Command, run: Run): void {
  const adapter = program
    .command('adapter')
    .description('LoRA adapters of a project: list, import and export PEFT folders, activate, merge, delete');

  adapter
    .command('list')
    .description('list a project’s adapters with size and trainable parameters')
    .argument('<project>', 'a project folder or id')
    .action((target: string) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const { adapters } = await cli.api.invoke('adapters.list', { projectId });
        cli.output.result({ adapters }, () =>
          adapters.length
            ? adapters.map(formatAdapter).join('\n')
            : 'No adapters yet. Import a PEFT folder with `ctvlm adapter import PROJECT FOLDER`.',
        );
      }),
    );

  adapter
    .command('import')
    .description('copy a PEFT adapter folder (adapter_model.safetensors + adapter_config.json) into a project')
    .argument('<project>', 'a project folder or id')
    .argument('<folder>', 'the adapter folder')
    .option('--name <name>', 'adapter name (default: the folder name)')
    .action((target: string, folder: string, options: { name?: string }) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const row = await cli.api.invoke('adapters.import', {
          projectId,
          folder: path.resolve(folder),
          ...(options.name ? { name: options.name } : {}),
        });
        cli.output.result(row, () => `Imported adapter ${formatAdapter(row)}`);
      }),
    );

  adapter
    .command('from-run')
    .description("register a LoRA training run's best checkpoint as an adapter (to export, merge or compare it)")
    .argument('<project>', 'a project folder or id')
    .argument('<run>', 'a run name or id')
    .option('--name <name>', 'adapter name (default: <run>-best)')
    .action((target: string, runName: string, options: { name?: string }) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const row = await cli.api.invoke('adapters.fromRun', { projectId, run: runName, name: options.name ?? null });
        cli.output.result(row, () => `Saved run ${runName} as adapter ${formatAdapter(row)}`);
      }),
    );

  adapter
    .command('export')
    .description('copy an adapter out as a PEFT folder (new or empty)')
    .argument('<project>', 'a project folder or id')
    .argument('<id>', 'adapter id from `ctvlm adapter list`')
    .argument('<folder>', 'destination folder')
    .action((target: string, id: string, folder: string) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const result = await cli.api.invoke('adapters.export', {
          projectId,
          adapterId: adapterId(id),
          folder: path.resolve(folder),
        });
        cli.output.result(result, () => `Exported adapter ${id} to ${result.folder}`);
      }),
    );

  adapter
    .command('delete')
    .description('remove an adapter and its files from a project')
    .argument('<project>', 'a project folder or id')
    .argument('<id>', 'adapter id from `ctvlm adapter list`')
    .action((target: string, id: string) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const result = await cli.api.invoke('adapters.delete', { projectId, adapterId: adapterId(id) });
        cli.output.result(result, () => `Deleted adapter ${id} ("${result.name}")`);
      }),
    );

  adapter
    .command('activate')
    .description(
      "make an adapter the project's active one: `ctvlm eval` and `ctvlm gradcam` use it when no --run or --adapter is given",
    )
    .argument('<project>', 'a project folder or id')
    .argument('[adapter]', 'adapter id or name from `ctvlm adapter list`')
    .option('--none', 'clear the active adapter: the base model is the default again')
    .action((target: string, which: string | undefined, options: { none?: boolean }) =>
      run(async (cli) => {
        if (options.none === true && which !== undefined) {
          throw new UserError('INVALID_INPUT', 'Give an adapter or --none, not both.');
        }
        if (options.none !== true && which === undefined) {
          throw new UserError(
            'INVALID_INPUT',
            'Name the adapter to activate (id or name from `ctvlm adapter list`), or give --none to clear it.',
          );
        }
        const projectId = await resolveProjectId(cli, target);
        const id = which === undefined ? null : await adapterIdOrName(cli.api, projectId, which);
        const { adapters } = await cli.api.invoke('adapters.activate', { projectId, adapterId: id });
        const active = adapters.find((row) => row.active) ?? null;
        cli.output.result({ active, adapters }, () =>
          active
            ? `Adapter ${active.id} ("${active.name}") is now active: evaluations and Grad-CAM use it unless told otherwise.`
            : 'No adapter is active: evaluations and Grad-CAM use the base model unless told otherwise.',
        );
      }),
    );

  adapter
    .command('merge')
    .description('fold an adapter into its base checkpoint: a standalone checkpoint folder')
    .argument('<project>', 'a project folder or id')
    .argument('<id>', 'adapter id from `ctvlm adapter list`')
    .requiredOption('--base <checkpoint-dir>', 'the base checkpoint folder (config.json + model.safetensors)')
    .requiredOption('-o, --output <dir>', 'new or empty folder for the merged checkpoint')
    .action((target: string, id: string, options: { base: string; output: string }) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const merged = await cli.api.invoke('adapters.merge', {
          projectId,
          adapterId: adapterId(id),
          baseCheckpoint: path.resolve(options.base),
          output: path.resolve(options.output),
        });
        cli.output.result(
          merged,
          () => `Merged checkpoint "${merged.modelId}" written to ${merged.path} (sha256 ${merged.sha256})`,
        );
      }),
    );
}

/** An adapter's id from its id or its name. */
async function adapterIdOrName(api: ApiClient, projectId: string, text: string): Promise<number> {
  if (/^\d+$/.test(text)) return adapterId(text);
  const { adapters } = await api.invoke('adapters.list', { projectId });
  const found = adapters.find((row) => row.name === text);
  if (!found) {
    throw new UserError(
      'INVALID_INPUT',
      `The project has no adapter named "${text}"; see \`ctvlm adapter list PROJECT\`.`,
    );
  }
  return found.id;
}

function adapterId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id <= 0) {
    throw new UserError('INVALID_INPUT', `"${text}" is not an adapter id; see \`ctvlm adapter list PROJECT\`.`);
  }
  return id;
}

function formatAdapter(row: AdapterRow): string {
  const size = `${(row.sizeBytes / 1024).toFixed(1)} KiB`;
  const ratio = row.sizeRatio === null ? '' : `, ${(row.sizeRatio * 100).toFixed(2)}% of the base checkpoint`;
  const targets = Array.isArray(row.targets) ? `${row.targets.length} layers` : `/${row.targets}/`;
  return `${row.id}  ${row.name}${row.active ? ' (active)' : ''}  r=${row.rank} alpha=${row.alpha} on ${targets}  ${row.trainableParams} trainable parameters  ${size}${ratio}  base ${row.baseModel} (${row.baseModelSha256.slice(0, 12)})`;
}
