/**
 * The composition root: one place that builds the services and wires them to the API
 * contract. Electron main, the web server and the CLI each create one Workbench.
 */
import os from 'node:os';
import { createDispatcher, type Dispatcher, type RouteHandlers } from '../api/dispatcher';
import { EventHub } from '../api/event-hub';
import { APP_NAME, APP_VERSION } from '../app-version';
import { JobManager } from '../jobs/job-manager';
import type { WorkerLauncher } from '../jobs/job-protocol';
import { AppRegistry } from '../store/app-registry';
import { AdapterService } from './adapter-service';
import { DatasetService } from './dataset-service';
import { DemoService } from './demo-service';
import { EvaluationService } from './evaluation-service';
import { ExtractionService } from './extraction-service';
import { FoundationModelService } from './foundation-model-service';
import { RunService } from './run-service';
import { ModelService } from './model-service';
import { ProjectService } from './project-service';
import { ViewerService } from './viewer-service';

export interface WorkbenchOptions {
  dataDir: string;
  mode: 'electron' | 'web' | 'cli';
  launcher: WorkerLauncher;
  /** How long a cancelled job may take to stop before its worker is killed. */
  cancelGraceMs?: number;
}

export interface Workbench {
  dispatcher: Dispatcher;
  events: EventHub;
  jobs: JobManager;
  projects: ProjectService;
  demo: DemoService;
  /** The viewer's NIfTI files, for web mode's HTTP and the desktop app's custom protocol. */
  viewer: ViewerService;
  close(): Promise<void>;
}

export function createWorkbench(options: WorkbenchOptions): Workbench {
  const events = new EventHub();
  const registry = AppRegistry.open(options.dataDir);
  const projects = new ProjectService(registry, options.dataDir, `${APP_NAME} ${APP_VERSION} (${options.mode})`);
  const jobs = new JobManager(options.launcher, events, options.cancelGraceMs);
  const demo = new DemoService(projects, jobs);
  const datasets = new DatasetService(projects, jobs);
  const adapters = new AdapterService(projects);
  const models = new ModelService(projects, options.dataDir);
  const foundationModels = new FoundationModelService(options.dataDir, jobs);
  const evaluations = new EvaluationService(projects, jobs);
  const runs = new RunService(projects, jobs);
  const extraction = new ExtractionService(projects, registry, jobs);
  const viewer = new ViewerService(projects, jobs);

  const projectsChanged = (): void => events.emit('projects.changed', {});
  events.subscribe((event) => {
    if (event === 'job.finished') projectsChanged();
  });

  const handlers: RouteHandlers = {
    'app.info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      mode: options.mode,
      dataDir: options.dataDir,
      platform: `${os.platform()} ${os.arch()}`,
      nodeVersion: process.versions.node,
    }),
    'system.doctor': ({ backend }) => ({ jobId: jobs.start('system.doctor', { backend }, null).jobId }),
    'projects.list': () => ({ projects: projects.list() }),
    'projects.create': ({ name, directory }) => {
      const summary = projects.create(name, directory);
      projectsChanged();
      return summary;
    },
    'projects.add': ({ path }) => {
      const summary = projects.add(path);
      projectsChanged();
      return summary;
    },
    'projects.forget': ({ projectId }) => {
      const forgotten = projects.forget(projectId);
      if (forgotten) projectsChanged();
      return { forgotten };
    },
    'projects.get': ({ projectId }) => projects.detail(projectId),
    'studies.list': ({ projectId, ...filter }) => projects.studies(projectId, filter),
    'studies.get': ({ projectId, studyId }) => viewer.study(projectId, studyId),
    'datasets.import': ({ projectId, ...input }) => datasets.startImport(projectId, input),
    'datasets.errors': ({ projectId, datasetId, limit, offset }) =>
      datasets.errors(projectId, datasetId, limit, offset),
    'demo.ensure': () => demo.ensure(),
    'jobs.list': () => ({ jobs: jobs.list() }),
    'jobs.cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'adapters.list': ({ projectId }) => ({ adapters: adapters.list(projectId) }),
    'adapters.import': async ({ projectId, ...input }) => {
      const row = await adapters.import(projectId, input);
      projectsChanged();
      return row;
    },
    'adapters.fromRun': async ({ projectId, run, name }) => {
      const row = await adapters.fromRun(projectId, run, name);
      projectsChanged();
      return row;
    },
    'adapters.export': ({ projectId, adapterId, folder }) => adapters.export(projectId, adapterId, folder),
    'adapters.delete': ({ projectId, adapterId }) => {
      const result = adapters.delete(projectId, adapterId);
      projectsChanged();
      return result;
    },
    'adapters.activate': ({ projectId, adapterId }) => {
      const list = adapters.activate(projectId, adapterId);
      projectsChanged();
      return { adapters: list };
    },
    'adapters.merge': ({ projectId, ...input }) => adapters.merge(projectId, input),
    'models.base': ({ projectId }) => ({ base: models.base(projectId) }),
    'models.setBase': async ({ projectId, ...input }) => {
      const base = await models.setBase(projectId, input);
      projectsChanged();
      return base;
    },
    'models.import': (input) => foundationModels.startImport(input),
    'models.list': () => ({ models: foundationModels.list() }),
    'evaluations.tasks': () => ({ tasks: evaluations.tasks() }),
    'evaluations.start': ({ projectId, ...input }) => evaluations.startEvaluation(projectId, input),
    'evaluations.list': ({ projectId, task }) => ({ evaluations: evaluations.list(projectId, task) }),
    'evaluations.get': ({ projectId, evaluationId }) => evaluations.metrics(projectId, evaluationId),
    'evaluations.predictions': ({ projectId, evaluationId, limit, offset }) =>
      evaluations.predictions(projectId, evaluationId, limit, offset),
    'evaluations.projection': ({ projectId, evaluationIds, method }) =>
      evaluations.projection(projectId, evaluationIds, method),
    'evaluations.similarity': ({ projectId, evaluationId, kind, orderBy }) =>
      evaluations.similarity(projectId, evaluationId, kind, orderBy),
    'gradcam.start': ({ projectId, ...input }) => evaluations.startGradCam(projectId, input),
    'gradcam.list': ({ projectId, studyId }) => ({ maps: viewer.gradCamMaps(projectId, studyId) }),
    'demo.adapt': ({ projectId, outputDir, resamples }) => demo.adapt(projectId, { outputDir, resamples }),
    'ollama.settings': () => extraction.settings(),
    'ollama.configure': (changes) => extraction.configure(changes),
    'ollama.status': ({ host }) => extraction.status(host),
    'ollama.pull': ({ host, model }) => extraction.pull(host, model),
    'extraction.start': ({ projectId, ...input }) => extraction.start(projectId, input),
    'extraction.list': ({ projectId, filter, limit, offset }) => extraction.list(projectId, filter, limit, offset),
    'extraction.get': ({ projectId, studyId }) => extraction.get(projectId, studyId),
    'extraction.review': ({ projectId, sentenceId, review }) => {
      const sentences = extraction.review(projectId, sentenceId, review);
      projectsChanged();
      return { sentences };
    },
    'extraction.edit': ({ projectId, studyId, section, text }) => {
      const detail = extraction.edit(projectId, studyId, section, text);
      projectsChanged();
      return detail;
    },
    'extraction.agreement': ({ projectId }) => ({ rows: extraction.agreement(projectId) }),
    'extraction.export': ({ projectId, file }) => extraction.export(projectId, file),
    'runs.start': ({ projectId, config }) => runs.start(projectId, config),
    'runs.resume': ({ projectId, run }) => runs.resume(projectId, run),
    'runs.list': ({ projectId }) => ({ runs: runs.list(projectId) }),
    'runs.get': ({ projectId, run }) => runs.get(projectId, run),
    'sweeps.start': ({ projectId, sweep }) => runs.startSweep(projectId, sweep),
    'sweeps.table': ({ projectId, sweepId }) => ({ rows: runs.sweepTable(projectId, sweepId) }),
  };

  return {
    dispatcher: createDispatcher(handlers),
    events,
    jobs,
    projects,
    demo,
    viewer,
    async close() {
      await jobs.shutdown();
      registry.close();
    },
  };
}
