/**
 * Use cases of evaluation: start a zero-shot evaluation or a Grad-CAM (jobs, in a worker), list and
 * compare evaluations, read one's metrics and predictions, and the embedding plots' data.
 */
import path from 'node:path';
import {
  StartEvaluationInputSchema,
  type EvaluationRow,
  type ModelSource,
  type MetricsDocument,
  type PredictionRow,
  type ProjectionPoint,
  type SimilarityMatrix,
  type StartEvaluationInput,
  type StartGradCamInput,
} from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';
import { BUILT_IN_TASKS } from '../engine/eval/tasks/task-presets';
import { resolveTask } from '../engine/eval/tasks/resolve-task';
import { projectionPoints, similarityMatrix } from '../evaluation/evaluation-analysis';
import type { JobManager } from '../jobs/job-manager';
import type { RegisteredProject } from '../store/app-registry';
import { findActiveAdapter } from '../store/repositories/adapter-repository';
import { getBaseModel } from '../store/repositories/base-model-repository';
import {
  getEvaluationMetrics,
  getEvaluationRow,
  listEvaluations,
  listPredictions,
} from '../store/repositories/evaluation-repository';
import type { ProjectService } from './project-service';

export interface TaskSummary {
  name: string;
  description: string;
  kind: 'binary' | 'multilabel';
  classes: string[];
}

export class EvaluationService {
  constructor(
    private readonly projects: ProjectService,
    private readonly jobs: JobManager,
  ) {}

  tasks(): TaskSummary[] {
    return BUILT_IN_TASKS.map((task) => {
      const { classes } = resolveTask(task.name);
      return {
        name: task.name,
        description: task.description ?? '',
        kind: task.kind,
        classes: classes.map((item) => item.name),
      };
    });
  }

  /**
   * Checks what can be checked at once (task, base model, output folder), then runs in a worker.
   * Without a source, the project's active adapter is evaluated (else the base model).
   */
  startEvaluation(projectId: string, input: StartEvaluationInput): { jobId: string } {
    const registered = this.projects.resolve(projectId);
    const request = StartEvaluationInputSchema.parse({
      ...input,
      source: input.source ?? this.defaultSource(registered),
    });
    const task = BUILT_IN_TASKS.some((builtIn) => builtIn.name === request.task)
      ? request.task
      : path.resolve(request.task);
    resolveTask(task);
    this.requireBaseModel(registered);
    const job = this.jobs.start(
      'evaluation.run',
      { ...request, task, ...(request.outputDir ? { outputDir: path.resolve(request.outputDir) } : {}) },
      { id: registered.id, dir: registered.path },
    );
    return { jobId: job.jobId };
  }

  /** A Grad-CAM in a worker; without a source, of the project's active adapter (else the base model). */
  startGradCam(projectId: string, input: StartGradCamInput): { jobId: string } {
    const registered = this.projects.resolve(projectId);
    this.requireBaseModel(registered);
    const job = this.jobs.start(
      'gradcam.run',
      {
        ...input,
        source: input.source ?? this.defaultSource(registered),
        ...(input.output ? { output: path.resolve(input.output) } : {}),
        projectDir: registered.path,
      },
      null,
    );
    return { jobId: job.jobId };
  }

  list(projectId: string, task: string | null): EvaluationRow[] {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => listEvaluations(project.db, task));
  }

  metrics(projectId: string, evaluationId: number): MetricsDocument {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      getEvaluationMetrics(project.db, evaluationId),
    );
  }

  predictions(
    projectId: string,
    evaluationId: number,
    limit: number,
    offset: number,
  ): { total: number; predictions: PredictionRow[] } {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => {
      getEvaluationRow(project.db, evaluationId);
      return listPredictions(project.db, evaluationId, limit, offset);
    });
  }

  projection(
    projectId: string,
    evaluationIds: readonly number[],
    method: 'pca' | 'tsne' | 'umap',
  ): { points: ProjectionPoint[]; note: string | null } {
    const outputs = this.outputs(projectId, evaluationIds);
    return projectionPoints(outputs, method);
  }

  similarity(
    projectId: string,
    evaluationId: number,
    kind: SimilarityMatrix['kind'],
    orderBy: string | null,
  ): SimilarityMatrix {
    const [output] = this.outputs(projectId, [evaluationId]);
    if (!output) throw new UserError('INVALID_INPUT', `The project has no evaluation ${evaluationId}.`);
    return similarityMatrix(output.outputDir, kind, orderBy);
  }

  private outputs(
    projectId: string,
    evaluationIds: readonly number[],
  ): Array<{ evaluationId: number; outputDir: string }> {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      evaluationIds.map((id) => {
        const row = getEvaluationRow(project.db, id);
        if (!row.outputDir) throw new UserError('IO_ERROR', `Evaluation ${id} has no output folder recorded.`);
        return { evaluationId: id, outputDir: row.outputDir };
      }),
    );
  }

  /** The model used when none is named: the project's active adapter, else the base model. */
  private defaultSource(registered: RegisteredProject): ModelSource {
    const active = this.projects.withReadOnly(registered, (project) => findActiveAdapter(project.db));
    return active ? { kind: 'adapter', adapter: active.name } : { kind: 'base' };
  }

  private requireBaseModel(registered: RegisteredProject): void {
    const has = this.projects.withReadOnly(registered, (project) => getBaseModel(project) !== null);
    if (!has) {
      throw new UserError(
        'INVALID_INPUT',
        `This project has no base model yet: set one with \`ctvlm model set-base ${registered.path} CHECKPOINT_DIR --tokenizer DIR --preset NAME\`.`,
      );
    }
  }
}
