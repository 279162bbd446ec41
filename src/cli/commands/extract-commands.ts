/**
 * `ctvlm extract`: reports split into sections and organ-level text by a local LLM (Ollama) or
 * the rule-based extractor; `ctvlm ollama status|pull`: the local server and its models. When
 * Ollama is down or the model missing, an interactive terminal is asked whether to fall back
 * to the rules or pull the model; otherwise the message says what to run.
 */
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import type { ExtractionJobResult, OllamaStatus } from '../../shared/api/extraction-schemas';
import type { RouteInput } from '../../shared/api/routes';
import { AppError, UserError } from '../../shared/errors';
import type { CliContext } from '../cli-context';
import { table } from './metrics-format';
import { wholeNumber } from './model-source-option';
import { resolveProjectId, type Run } from './project-target';

interface ExtractOptions {
  engine: string;
  model?: string;
  host?: string;
  out?: string;
  concurrency?: string;
  retries?: string;
  timeout?: string;
  force?: boolean;
  dataset?: string;
}

export function registerExtractCommands(program: Command, run: Run): void {
  program
    .command('extract')
    .description(
      "split the project's reports into Clinical Information / Findings / Impression and organ-level text (Ollama or rules); cached, resumable",
    )
    .argument('<project>', 'a project folder or id')
    .option(
      '--engine <engine>',
      'ollama (a local LLM) or rules (section headers and organ keywords, offline)',
      'ollama',
    )
    .option('--model <name>', 'Ollama model (default: the saved one, qwen3:8b as in the HCC paper)')
    .option('--host <url>', 'Ollama host (default: the saved one, http://127.0.0.1:11434)')
    .option('--out <file.jsonl>', 'also write one JSON object per report to this file')
    .option('--concurrency <n>', 'reports sent to Ollama at once (default 2)')
    .option('--retries <n>', 're-asks after an answer that does not fit the schema (default 2)')
    .option('--timeout <seconds>', 'time one answer may take (default 300)')
    .option('--force', 'extract again even where a cached result exists (its reviews are lost)')
    .option('--dataset <id>', "only this dataset's reports")
    .addHelpText(
      'after',
      '\nSentences the model wrote that are not found in the report are flagged and kept out of training until a person accepts them (Extraction panel). Ctrl+C cancels; a re-run continues where it stopped.',
    )
    .action((target: string, options: ExtractOptions) =>
      run(async (cli) => {
        if (options.engine !== 'ollama' && options.engine !== 'rules') {
          throw new UserError('INVALID_INPUT', `--engine is ollama or rules, not "${options.engine}".`);
        }
        const projectId = await resolveProjectId(cli, target);
        const input: StartRequest = {
          projectId,
          engine: options.engine,
          model: options.model ?? null,
          host: options.host ?? null,
          outFile: options.out ?? null,
          force: options.force ?? false,
          datasetId: options.dataset === undefined ? null : wholeNumber('--dataset', options.dataset, 1),
          ...(options.concurrency === undefined
            ? {}
            : { concurrency: wholeNumber('--concurrency', options.concurrency, 1) }),
          ...(options.retries === undefined ? {} : { retries: wholeNumber('--retries', options.retries) }),
          ...(options.timeout === undefined ? {} : { timeoutSeconds: wholeNumber('--timeout', options.timeout, 1) }),
        };
        const { jobId } = await startWithOffers(cli, input);
        const result = (await cli.followJob(jobId)) as ExtractionJobResult;
        cli.output.result(result, () => formatExtraction(result));
      }),
    );

  const ollama = program.command('ollama').description('the local Ollama server used for report extraction');
  ollama
    .command('status')
    .description('is Ollama reachable, which models are installed')
    .option('--host <url>', 'Ollama host (default: the saved one)')
    .action((options: { host?: string }) =>
      run(async (cli) => {
        const status = await cli.api.invoke('ollama.status', { host: options.host ?? null });
        cli.output.result(status, () => formatStatus(status));
        if (!status.reachable) process.exitCode = 1;
      }),
    );
  ollama
    .command('pull')
    .description('download a model into Ollama (qwen3:8b is the recommended extractor)')
    .argument('<model>', 'e.g. qwen3:8b, or qwen3:4b for a GPU with less memory')
    .option('--host <url>', 'Ollama host (default: the saved one)')
    .action((model: string, options: { host?: string }) =>
      run(async (cli) => {
        const { jobId } = await cli.api.invoke('ollama.pull', { host: options.host ?? null, model });
        const result = await cli.followJob(jobId);
        cli.output.result(result, () => `${model} is installed.`);
      }),
    );
  ollama
    .command('use')
    .description('save the Ollama host and default model')
    .option('--host <url>', 'e.g. http://127.0.0.1:11434')
    .option('--model <name>', 'e.g. qwen3:8b')
    .action((options: { host?: string; model?: string }) =>
      run(async (cli) => {
        const settings = await cli.api.invoke('ollama.configure', options);
        cli.output.result(settings, () => `Ollama host ${settings.host}, model ${settings.model}`);
      }),
    );
}

type StartRequest = RouteInput<'extraction.start'> & { engine: 'ollama' | 'rules' };

/** Start the extraction; in an interactive terminal, offer the rules when Ollama is down and a pull when the model is missing. */
async function startWithOffers(cli: CliContext, input: StartRequest): Promise<{ jobId: string }> {
  const start = (engine: 'ollama' | 'rules'): Promise<{ jobId: string }> =>
    cli.api.invoke('extraction.start', { ...input, engine });
  try {
    return await start(input.engine);
  } catch (error) {
    if (!(error instanceof AppError) || !interactive(cli)) throw error;
    if (error.code === 'OLLAMA_UNREACHABLE') {
      process.stderr.write(`${error.message}\n`);
      if (!(await confirm('Extract with the rule-based engine instead?'))) throw error;
      return start('rules');
    }
    if (error.code === 'OLLAMA_MODEL_MISSING') {
      const model = input.model ?? (await cli.api.invoke('ollama.settings', {})).model;
      process.stderr.write(`${error.message}\n`);
      if (!(await confirm(`Pull ${model} now?`))) throw error;
      const { jobId } = await cli.api.invoke('ollama.pull', { host: input.host ?? null, model });
      await cli.followJob(jobId);
      return start('ollama');
    }
    throw error;
  }
}

function interactive(cli: CliContext): boolean {
  return !cli.output.json && process.stdin.isTTY === true && process.stderr.isTTY === true;
}

async function confirm(question: string): Promise<boolean> {
  const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

export function formatExtraction(result: ExtractionJobResult): string {
  const lines = [
    `${result.engine === 'ollama' ? `Ollama ${result.model}` : 'Rule-based extractor'} (${result.promptVersion}): ${result.reports} reports`,
    `  extracted ${result.extracted}, cached ${result.cached}, failed ${result.failed}`,
    `  ${result.ungroundedSentences} extracted sentences not found in their report: flagged, kept out of training until accepted`,
  ];
  if (result.failed > 0) lines.push('  failed reports are retried by the next run; see them in the Extraction panel');
  if (result.outFile) lines.push(`  written to ${result.outFile}`);
  if (result.agreement.length > 0) {
    const percent = (value: number | null): string => (value === null ? '—' : value.toFixed(3));
    lines.push(
      '',
      'Agreement with the rule-based extractor (presence / token F1):',
      ...table(
        ['dataset', 'reports', 'clinical information', 'findings', 'impression', 'organ systems (Jaccard)'],
        result.agreement.map((row) => [
          row.datasetName,
          String(row.reports),
          `${percent(row.sections.clinical_information.presence)} / ${percent(row.sections.clinical_information.tokenF1)}`,
          `${percent(row.sections.findings.presence)} / ${percent(row.sections.findings.tokenF1)}`,
          `${percent(row.sections.impression.presence)} / ${percent(row.sections.impression.tokenF1)}`,
          percent(row.anatomyJaccard),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

function formatStatus(status: OllamaStatus): string {
  if (!status.reachable) return status.message ?? `Ollama at ${status.host} cannot be reached.`;
  const lines = [`Ollama ${status.version ?? '?'} at ${status.host}`];
  if (status.models.length === 0)
    lines.push(`  no models installed; pull one: ctvlm ollama pull ${status.recommended}`);
  for (const model of status.models) {
    lines.push(
      `  ${model.name}  ${(model.sizeBytes / 1024 ** 3).toFixed(1)} GiB${model.parameterSize ? `  ${model.parameterSize}` : ''}`,
    );
  }
  if (!status.models.some((model) => model.name === status.recommended)) {
    lines.push(`  recommended: ${status.recommended} (smaller GPUs: ${status.suggestions.join(', ')})`);
  }
  return lines.join('\n');
}
