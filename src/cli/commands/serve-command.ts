import type { Command } from 'commander';
import { rendererBuildDir } from '../../main/app-paths';
import { isLoopbackHost } from '../../main/server/request-guard';
import { startWebServer } from '../../main/server/web-server';
import { CliContext, type GlobalOptions } from '../cli-context';

interface ServeOptions {
  host: string;
  port: string;
  demo: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'web mode: serve the workbench to a browser on this machine (127.0.0.1), guarded by a per-launch token',
    )
    .option(
      '--host <address>',
      'address to listen on; anything but loopback exposes patient data to the network',
      '127.0.0.1',
    )
    .option('--port <number>', 'port (0 picks a free one)', '5183')
    .option('--no-demo', 'do not create the demo project on first start')
    .action(async (options: ServeOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const cli = new CliContext(globals, 'web');
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`ctvlm: --port must be a number from 0 to 65535, not "${options.port}".\n`);
        process.exitCode = 1;
        return;
      }
      if (!isLoopbackHost(options.host)) {
        process.stderr.write(
          `Warning: listening on ${options.host}, not loopback. Anyone who can reach this machine and has the token can use the workbench.\n`,
        );
      }
      const server = await startWebServer({
        workbench: cli.workbench,
        rendererDir: rendererBuildDir(),
        host: options.host,
        port,
      });
      if (options.demo) {
        try {
          const ensured = cli.workbench.demo.ensure();
          if (ensured.jobId) process.stderr.write('Building the demo project in the background…\n');
        } catch (error) {
          process.stderr.write(`The demo project could not be prepared: ${(error as Error).message}\n`);
        }
      }
      const summary = { url: server.url, origin: server.origin, port: server.port, dataDir: cli.dataDir };
      if (globals.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        process.stdout.write(
          `CT-VLM Workbench (web mode) is serving ${cli.dataDir}\nOpen: ${server.url}\nPress Ctrl-C to stop.\n`,
        );

      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.stderr.write('Stopping…\n');
      await server.close();
      await cli.close();
    });
}
