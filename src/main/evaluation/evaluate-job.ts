/**
 * Job `evaluation.run`: zero-shot evaluation of the base model, an adapter or a run on a split of
 * the project's studies. Embeds every volume (through the volume cache) and text, scores the task's
 * classes, computes metrics with bootstrap CIs, retrieval and projections, writes the evaluation's
 * folder, then records it (and its predictions) in the project. Labels are read only here.
 */
import path from 'node:path';
import {
  METRICS_FORMAT_VERSION,
  StartEvaluationInputSchema,
  type EvaluationRequest,
  type MetricsDocument,
} from '../../shared/api/evaluation-schemas';
import { BugError, UserError } from '../../shared/errors';
import { selectBackend } from '../engine/backends/select-backend';
import { encodeTexts, encodeVolumes } from '../engine/eval/encode-batches';
import { resolveBootstrapSettings } from '../engine/eval/metrics/bootstrap';
import { resolveTask } from '../engine/eval/tasks/resolve-task';
import { taskPrompts } from '../engine/eval/zero-shot-scores';
import type { JobContext } from '../jobs/job-context';
import { insertEvaluation, type NewPrediction } from '../store/repositories/evaluation-repository';
import {
  datasetName,
  listEvaluationStudies,
  type EvaluationStudy,
} from '../store/repositories/evaluation-study-repository';
import { openProject, type Project } from '../store/project-store';
import {
  prepareOutputDir,
  writeEmbeddings,
  writeMetrics,
  writePredictions,
  writeProjections,
  type PredictionLine,
} from './evaluation-files';
import { evaluationProjections } from './evaluation-projections';
import { headlineOf } from './headline';
import { loadEvaluatedModel, resolveModelSource, type EvaluatedModel } from './model-source';
import { retrievalReport } from './retrieval-report';
import { preprocessedStudy, projectVolumeCache } from './study-volumes';
import { labelOf, scoredReport, zeroShotReport, type ZeroShotReport } from './zero-shot-report';
import { fitLinearProbe, probeScores } from '../engine/eval/linear-probe';

export interface EvaluationJobResult {
  evaluationId: number;
  outputDir: string;
  metrics: MetricsDocument;
}

export async function evaluateJob(input: unknown, context: JobContext): Promise<EvaluationJobResult> {
  if (!context.projectDir) throw new BugError('evaluation.run needs a project folder.');
  const request = StartEvaluationInputSchema.parse(input);
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    return await evaluateInProject(project, request, context);
  } finally {
    project.close();
  }
}

export async function evaluateInProject(
  project: Project,
  request: EvaluationRequest,
  context: JobContext,
): Promise<EvaluationJobResult> {
  const started = performance.now();
  const source = resolveModelSource(project, request.source);
  const { task, classes } = resolveTask(request.task);
  const studies = listEvaluationStudies(project.db, request.split, request.datasetId);
  if (studies.length === 0) {
    throw new UserError(
      'INVALID_INPUT',
      `No studies to evaluate: the project has none in split "${request.split}"${request.datasetId ? ` of dataset ${request.datasetId}` : ''}.`,
    );
  }
  const probeStudies = request.probe === 'linear' ? linearProbeStudies(project, request) : [];
  const withLabels = classes.filter((item) => studies.some((study) => item.label in study.labels));
  if (withLabels.length === 0) {
    throw new UserError(
      'INVALID_INPUT',
      `None of the studies has a label for task "${task.name}" (it reads ${classes.map((c) => `label:${c.label}`).join(', ')}); import the labels with the manifest, or choose another task.`,
    );
  }
  const outputDir = path.resolve(
    request.outputDir ??
      path.join(
        project.filesDir,
        'evaluations',
        `${timestamp()}-${task.name}-${source.label}`.replace(/[^A-Za-z0-9._-]/g, '_'),
      ),
  );
  prepareOutputDir(outputDir);

  const backend = await selectBackend();
  const total = studies.length + 3;
  context.progress(0, total, `Loading ${source.label} (${backend.chosen})`);
  const { model, tokenizer, modelId } = await loadEvaluatedModel(source);
  try {
    const dim = model.embedDim;
    const prompts = taskPrompts(classes);
    const promptEmbeddings = await encodeTexts(model, tokenizer, prompts);
    // Indices (into studies) of the studies with a report: the retrieval queries.
    const reportedIndices = studies.flatMap((study, i) => (study.report?.trim() ? [i] : []));
    const reported = reportedIndices.map((i) => studies[i]!);
    const reportEmbeddings = await encodeTexts(
      model,
      tokenizer,
      reported.map((study) => study.report ?? ''),
    );
    const images = await embedImages(project, studies, source.preset, request.batchSize, dim, context, model, total);
    const scale = task.scale === 'model' ? await modelLogitScale(model) : task.scale;
    if (!Number.isFinite(scale)) throw new UserError('INVALID_INPUT', `The model's logit scale is ${scale}.`);

    context.progress(studies.length + 1, total, 'Scoring and bootstrapping metrics');
    const bootstrap = resolveBootstrapSettings({ resamples: request.resamples, seed: request.seed });
    let rule = request.threshold ?? task.threshold;
    let scored: ZeroShotReport;
    if (request.probe === 'linear') {
      // A sigmoid probability: argmax over a prompt pair means a 0.5 threshold here.
      if (rule.kind === 'argmax') rule = { kind: 'fixed', value: 0.5 };
      context.progress(
        studies.length + 1,
        total,
        `Fitting a linear probe on ${probeStudies.length} labelled training studies`,
      );
      const trainImages = await embedImages(
        project,
        probeStudies,
        source.preset,
        request.batchSize,
        dim,
        context,
        model,
        total,
      );
      const classInputs = [];
      for (const item of classes) {
        const probe = await fitLinearProbe(
          trainImages,
          dim,
          probeStudies.map((study) => labelOf(study.labels, item.label)),
        );
        classInputs.push({
          name: item.name,
          labels: studies.map((study) => labelOf(study.labels, item.label)),
          scores: probeScores(images, dim, probe),
        });
      }
      scored = scoredReport(classInputs, rule, bootstrap);
    } else {
      scored = zeroShotReport({
        images,
        labels: studies.map((study) => study.labels),
        dim,
        classes,
        prompts: { prompts, embeddings: promptEmbeddings },
        scoring: { scoring: task.scoring, scale },
        rule,
        bootstrap,
      });
    }
    const { classInputs, report, predictions } = scored;
    const reportRows = new Map(reported.map((study, row) => [study.id, row]));
    const reportedImages = new Float32Array(reported.length * dim);
    reportedIndices.forEach((index, row) => {
      reportedImages.set(images.subarray(index * dim, (index + 1) * dim), row * dim);
    });
    const retrieval =
      reported.length >= 2
        ? retrievalReport(reportedImages, reportEmbeddings, reported.length, dim, request.retrievalPoolSize, bootstrap)
        : null;

    const dataset = request.datasetId
      ? { id: request.datasetId, name: datasetName(project.db, request.datasetId) ?? '' }
      : null;
    const metrics: MetricsDocument = {
      format_version: METRICS_FORMAT_VERSION,
      evaluationId: null,
      createdAt: new Date().toISOString(),
      task: { ...task, scale, threshold: rule, classes },
      model: {
        kind: source.kind,
        label: request.probe === 'linear' ? `${source.label} + linear probe (labels)` : source.label,
        modelId,
        baseSha256: source.baseSha256,
        adapterSha256: source.adapterSha256,
      },
      dataset,
      split: request.split,
      studies: studies.length,
      missingLabels: Object.fromEntries(
        classInputs.map((item) => [item.name, item.labels.filter((label) => label === null).length]),
      ),
      seed: request.seed,
      backend: backend.chosen,
      headline: headlineOf(report, classInputs, predictions, retrieval, bootstrap),
      classification: report,
      retrieval,
      timing: { seconds: 0, volumesPerSecond: 0 },
      supervision:
        request.probe === 'linear'
          ? {
              kind: 'linear-probe',
              trainStudies: probeStudies.length,
              note: `Supervised baseline, not zero-shot: per-class logistic regression on the frozen image embeddings, fitted with the labels of ${probeStudies.length} training studies.`,
            }
          : null,
    };

    const rows: NewPrediction[] = [];
    const lines: PredictionLine[] = [];
    classInputs.forEach((item, c) => {
      const preds = predictions[c];
      studies.forEach((study, s) => {
        const row = {
          className: item.name,
          label: item.labels[s] ?? null,
          score: item.scores[s] ?? NaN,
          pred: (preds?.[s] ?? 0) as 0 | 1,
        };
        rows.push({ studyId: study.id, ...row });
        lines.push({ studyUid: study.studyUid, ...row });
      });
    });
    lines.sort((a, b) => (a.studyUid < b.studyUid ? -1 : a.studyUid > b.studyUid ? 1 : 0));

    context.throwIfCancelled();
    let projections = null;
    if (request.projections) {
      context.progress(studies.length + 2, total, 'Projecting embeddings (PCA, t-SNE, UMAP)');
      const joint = new Float32Array((studies.length + reported.length) * dim);
      joint.set(images, 0);
      joint.set(reportEmbeddings, studies.length * dim);
      projections = evaluationProjections(
        joint,
        [
          ...studies.map((study) => ({ studyId: study.id, modality: 'image' as const })),
          ...reported.map((study) => ({ studyId: study.id, modality: 'report' as const })),
        ],
        dim,
        request.seed,
        (method) => context.progress(studies.length + 2, total, `Projecting embeddings (${method})`),
      );
    }

    const seconds = (performance.now() - started) / 1000;
    metrics.timing = { seconds, volumesPerSecond: studies.length / seconds };
    writePredictions(outputDir, lines);
    writeEmbeddings(
      outputDir,
      {
        dim,
        studies: studies.map((study) => ({
          studyId: study.id,
          studyUid: study.studyUid,
          split: study.split,
          labels: study.labels,
          reportRow: reportRows.get(study.id) ?? null,
        })),
        prompts,
      },
      { image: images, report: reportEmbeddings, prompt: promptEmbeddings },
    );
    if (projections) writeProjections(outputDir, projections);
    writeMetrics(outputDir, metrics);
    const evaluationId = insertEvaluation(project.db, {
      metrics,
      adapterId: null,
      runId: null,
      outputDir,
      predictions: rows,
    });
    const recorded = { ...metrics, evaluationId };
    writeMetrics(outputDir, recorded);
    context.progress(total, total, 'Evaluation done.');
    return { evaluationId, outputDir, metrics: recorded };
  } finally {
    model.dispose();
  }
}

async function embedImages(
  project: Project,
  studies: readonly EvaluationStudy[],
  preset: Parameters<typeof preprocessedStudy>[3],
  batchSize: number,
  dim: number,
  context: JobContext,
  model: Parameters<typeof encodeVolumes>[0],
  total: number,
): Promise<Float32Array> {
  const cache = projectVolumeCache(project);
  const out = new Float32Array(studies.length * dim);
  for (let start = 0; start < studies.length; start += batchSize) {
    context.throwIfCancelled();
    const batch = studies.slice(start, start + batchSize);
    context.progress(start + 1, total, `Embedding volumes ${start + 1}–${start + batch.length} of ${studies.length}`);
    const volumes = [];
    for (const study of batch) volumes.push(await preprocessedStudy(project, cache, study, preset));
    const dims = volumes[0]?.dims ?? preset.output.size;
    out.set(
      await encodeVolumes(
        model,
        volumes.map((volume) => volume.data),
        dims,
      ),
      start * dim,
    );
    await new Promise((resolve) => setImmediate(resolve)); // let a cancel message in
  }
  return out;
}

async function modelLogitScale(model: EvaluatedModel['model']): Promise<number> {
  const scale = model.logitScale();
  try {
    return (await scale.data())[0] ?? NaN;
  } finally {
    scale.dispose();
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..+$/, '');
}

/** The labelled training studies a linear probe is fitted on (never the evaluated ones). */
function linearProbeStudies(project: Project, request: EvaluationRequest): EvaluationStudy[] {
  if (request.split === 'train' || request.split === 'all') {
    throw new UserError(
      'INVALID_INPUT',
      `A linear probe is fitted on the train split, so it must be evaluated on "val" or "test", not "${request.split}".`,
    );
  }
  const studies = listEvaluationStudies(project.db, 'train', request.datasetId);
  if (studies.length === 0) {
    throw new UserError(
      'INVALID_INPUT',
      'A linear probe needs labelled studies in the train split; the project has none.',
    );
  }
  return studies;
}
