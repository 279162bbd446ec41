/** `ctvlm`: the workbench without a window. Thin over the same API contract as the UI. */
import { Command, CommanderError } from 'commander';
import { APP_NAME, APP_VERSION } from '../main/app-version';
import { CliContext, type GlobalOptions } from './cli-context';
import { reportError } from './cli-output';
import { registerAdapterCommands } from './commands/adapter-commands';
import { registerDemoCommand } from './commands/demo-command';
import { registerDoctorCommand } from './commands/doctor-command';
import { registerEmbedCommand } from './commands/embed-command';
import { registerEvalCommands } from './commands/eval-commands';
import { registerExtractCommands } from './commands/extract-commands';
import { registerImportCommand } from './commands/import-command';
import { registerModelCommands } from './commands/model-commands';
import { registerPreprocessCommand } from './commands/preprocess-command';
import { registerProjectCommands } from './commands/project-commands';
import { registerServeCommand } from './commands/serve-command';
import { registerTrainCommands } from './commands/train-commands';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ctvlm')
    .description(
      `${APP_NAME} ${APP_VERSION}: adapt 3D CT vision-language models to your hospital's CT and reports, offline.`,
    )
    .version(APP_VERSION)
    .option('--json', 'machine-readable output: one JSON document on stdout (progress as JSON lines on stderr)')
    .option(
      '--data-dir <folder>',
      'where the workbench keeps its project list (default: $CTVLM_HOME or the user data folder)',
    )
    .showHelpAfterError('(run `ctvlm --help` for the commands)')
    .configureHelp({ showGlobalOptions: true });

  const run = async (action: (context: CliContext) => Promise<void>): Promise<void> => {
    const globals = program.opts<GlobalOptions>();
    const context = new CliContext(globals);
    try {
      await action(context);
    } catch (error) {
      process.exitCode = reportError(error, globals.json ?? false);
    } finally {
      await context.close();
    }
  };

  program
    .command('info')
    .description('what is installed and where data is kept')
    .action(() =>
      run(async (cli) => {
        const info = await cli.api.invoke('app.info', {});
        cli.output.result(info, () =>
          [
            `${info.name} ${info.version}`,
            `  data dir  ${info.dataDir}`,
            `  platform  ${info.platform}, Node ${info.nodeVersion}`,
          ].join('\n'),
        );
      }),
    );

  registerProjectCommands(program, run);
  registerImportCommand(program, run);
  registerPreprocessCommand(program, run);
  registerAdapterCommands(program, run);
  registerModelCommands(program, run);
  registerEmbedCommand(program, run);
  registerEvalCommands(program, run);
  registerExtractCommands(program, run);
  registerTrainCommands(program, run);
  registerDemoCommand(program, run);
  registerDoctorCommand(program, run);
  registerServeCommand(program);
  program.addHelpText('after', () => `\nAll commands:\n${listCommands(program).join('\n')}\n`);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    process.exitCode = reportError(error, argv.includes('--json'));
  }
}

/** Every command with its subcommands, so `ctvlm --help` shows the whole surface at once. */
function listCommands(command: Command, prefix = 'ctvlm'): string[] {
  return command.commands
    .filter((sub) => sub.name() !== 'help')
    .flatMap((sub) => {
      const usage = `${prefix} ${sub.name()}`;
      const children = listCommands(sub, usage);
      if (children.length > 0) return children;
      const args = sub.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
      return [`  ${`${usage} ${args}`.trimEnd().padEnd(40)} ${sub.description()}`];
    });
}
