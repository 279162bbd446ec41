/**
 * Job `demo.adapt`, what `ctvlm demo` runs: builds the demo project if needed (site B's CTs and
 * reports, the shipped source-pretrained model as base), evaluates the base model zero-shot on the
 * held-out test studies, adapts it to site B's (volume, report) pairs with PEFT (contrastive, no
 * labels), evaluates the adapted model on the same test studies, and copies its adapter out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DemoSummary } from '../../shared/api/demo-schemas';
import { StartEvaluationInputSchema } from '../../shared/api/evaluation-schemas';
import { BugError } from '../../shared/errors';
import { evaluateInProject } from '../evaluation/evaluate-job';
import type { JobContext } from '../jobs/job-context';
import { listEvaluationStudies } from '../store/repositories/evaluation-study-repository';
import { requireRun } from '../store/repositories/run-repository';
import { openProject, type Project } from '../store/project-store';
import { runInProject } from '../training/train-run-job';
import { buildDemoProject } from './demo-build-job';
import { DEMO_TASK } from './demo-cohort';
import { DEMO_RUN_CONFIG } from './demo-recipe';

export const DemoAdaptInputSchema = z.object({
  /** Where the evaluations and the adapter copy go; default: the project's files/demo/. */
  outputDir: z.string().min(1).nullable().default(null),
  resamples: z.number().int().min(0).default(1000),
});

export async function demoAdaptJob(input: unknown, context: JobContext): Promise<DemoSummary> {
  if (!context.projectDir) throw new BugError('demo.adapt needs a project folder.');
  const request = DemoAdaptInputSchema.parse(input);
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    return await adapt(project, request, context);
  } finally {
    project.close();
  }
}

/** Progress of the whole demo in steps: build, base evaluation, training, adapted evaluation. */
const PHASES = ['Building the demo project', 'Evaluating the base model', 'Adapting', 'Evaluating the adapted model'];

async function adapt(
  project: Project,
  request: z.infer<typeof DemoAdaptInputSchema>,
  context: JobContext,
): Promise<DemoSummary> {
  const started = performance.now();
  const out = path.resolve(request.outputDir ?? path.join(project.filesDir, 'demo'));
  const phase = (index: number): JobContext => ({
    ...context,
    progress: (done, total, message) =>
      context.progress(
        index + (total > 0 ? Math.min(1, done / total) : 0),
        PHASES.length,
        `${PHASES[index]}: ${message}`,
      ),
  });

  await buildDemoProject(project, phase(0));
  const evaluate = async (source: { kind: 'base' } | { kind: 'run'; run: string }, folder: string, index: number) =>
    evaluateInProject(
      project,
      StartEvaluationInputSchema.parse({
        source,
        task: DEMO_TASK,
        split: 'test',
        resamples: request.resamples,
        outputDir: path.join(out, 'evaluations', folder),
        projections: false,
      }),
      phase(index),
    );
  const base = await evaluate({ kind: 'base' }, 'base', 1);
  const trainStarted = performance.now();
  const trained = await runInProject(project, { config: DEMO_RUN_CONFIG, resume: null, sweepId: null }, phase(2));
  const trainSeconds = (performance.now() - trainStarted) / 1000;
  const adapted = await evaluate({ kind: 'run', run: String(trained.runId) }, 'adapted', 3);

  const run = requireRun(project.db, trained.runId);
  const best = project.db
    .prepare(`SELECT path FROM checkpoints WHERE run_id = ? AND tag = 'best'`)
    .get(trained.runId) as { path: string } | undefined;
  const adapterDir = path.join(out, 'adapter');
  if (best) {
    fs.rmSync(adapterDir, { recursive: true, force: true });
    fs.mkdirSync(adapterDir, { recursive: true });
    for (const name of ['adapter_config.json', 'adapter_model.safetensors']) {
      fs.copyFileSync(path.join(project.dir, best.path, name), path.join(adapterDir, name));
    }
  }
  const resultOf = (evaluation: Awaited<ReturnType<typeof evaluate>>): DemoSummary['base'] => ({
    evaluationId: evaluation.evaluationId,
    outputDir: evaluation.outputDir,
    auroc: evaluation.metrics.headline.auroc,
    f1: evaluation.metrics.headline.f1,
    accuracy: evaluation.metrics.headline.accuracy,
  });
  context.progress(PHASES.length, PHASES.length, 'Demo done.');
  return {
    projectDir: project.dir,
    task: DEMO_TASK,
    testStudies: base.metrics.studies,
    trainStudies: listEvaluationStudies(project.db, 'train', null).length,
    base: resultOf(base),
    adapted: resultOf(adapted),
    run: {
      id: run.id,
      name: run.name,
      method: run.method,
      epochs: trained.outcome.epochs,
      bestEpoch: trained.outcome.bestEpoch,
      trainableParameters: run.trainableParameters ?? 0,
      totalParameters: run.totalParameters ?? 0,
      trainSeconds,
    },
    adapterDir,
    seconds: (performance.now() - started) / 1000,
  };
}
