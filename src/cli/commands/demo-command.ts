/**
 * `ctvlm demo [--out DIR]`: the product in one command. A tiny CT-VLM pretrained on a "source"
 * hospital's phantom CTs is adapted, without labels, to a "second scanner" cohort; the base and
 * adapted zero-shot AUROC and F1 (with 95% CIs) on held-out studies are printed side by side.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { DemoSummarySchema, type DemoSummary } from '../../shared/api/demo-schemas';
import { UserError } from '../../shared/errors';
import { formatInterval, table } from './metrics-format';
import type { Run } from './project-target';

export function registerDemoCommand(program: Command, run: Run): void {
  program
    .command('demo')
    .description(
      "adapt the shipped source-pretrained model to a second scanner's CTs and reports (no labels), and compare",
    )
    .option('--out <dir>', 'keep the demo project, the adapter and both evaluations here (an empty or new folder)')
    .option('--resamples <n>', 'bootstrap resamples for the CIs', '1000')
    .action((options: { out?: string; resamples: string }) =>
      run(async (cli) => {
        const keep = options.out !== undefined;
        const out = keep ? path.resolve(options.out!) : fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-demo-'));
        if (keep && fs.existsSync(out) && fs.readdirSync(out).length > 0) {
          throw new UserError('INVALID_INPUT', `${out} is not empty: give --out a new or empty folder.`);
        }
        fs.mkdirSync(out, { recursive: true });
        const project = await cli.api.invoke('projects.create', { name: 'demo-project', directory: out });
        try {
          const resamples = Number(options.resamples);
          if (!Number.isInteger(resamples) || resamples < 0) {
            throw new UserError('INVALID_INPUT', `--resamples must be a whole number ≥ 0, not "${options.resamples}".`);
          }
          const { jobId } = await cli.api.invoke('demo.adapt', { projectId: project.id, outputDir: out, resamples });
          const summary = DemoSummarySchema.parse(await cli.followJob(jobId));
          cli.output.result(summary, () => formatDemo(summary, keep));
        } finally {
          if (!keep) {
            await cli.api.invoke('projects.forget', { projectId: project.id });
            fs.rmSync(out, { recursive: true, force: true });
          }
        }
      }),
    );
}

export function formatDemo(summary: DemoSummary, kept: boolean): string {
  const row = (label: string, result: DemoSummary['base']): string[] => [
    label,
    formatInterval(result.auroc),
    formatInterval(result.f1),
    formatInterval(result.accuracy),
  ];
  const { run } = summary;
  return [
    `Zero-shot "${summary.task}" on ${summary.testStudies} held-out second-scanner studies (95% bootstrap CIs):`,
    '',
    ...table(
      ['model', 'AUROC', 'F1', 'accuracy'],
      [row('base (source-pretrained)', summary.base), row(`adapted (${run.name})`, summary.adapted)],
    ),
    '',
    `Adapted with ${run.method} on ${summary.trainStudies} CT-report pairs, no labels: ${run.trainableParameters.toLocaleString('en-US')} of ${run.totalParameters.toLocaleString('en-US')} parameters trained, ${run.epochs} epochs (best ${run.bestEpoch ?? '—'}), ${run.trainSeconds.toFixed(0)} s.`,
    `The whole demo took ${summary.seconds.toFixed(0)} s.`,
    kept
      ? `Kept: the project ${summary.projectDir}, the adapter ${summary.adapterDir}, the evaluations ${summary.base.outputDir} and ${summary.adapted.outputDir}.`
      : 'Nothing was kept; run `ctvlm demo --out DIR` to keep the project, the adapter and both evaluations.',
  ].join('\n');
}
