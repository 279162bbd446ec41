/**
 * The one API contract. Every route has a zod input and output; the Electron IPC bridge,
 * the web-mode HTTP server and the CLI all go through it, and main validates both sides.
 */
import { z } from 'zod';
import {
  AdapterIdSchema,
  AdapterRowSchema,
  ImportAdapterInputSchema,
  MergeAdapterInputSchema,
  MergedCheckpointSchema,
} from './adapter-schemas';
import { ImportDatasetInputSchema, ImportErrorRowSchema } from './dataset-schemas';
import { JobIdSchema, JobInfoSchema } from './job-schemas';
import {
  ProjectDetailSchema,
  ProjectIdSchema,
  ProjectNameSchema,
  ProjectSummarySchema,
  StudyRowSchema,
} from './project-schemas';

const Empty = z.object({}).strict();

function route<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

export const routes = {
  'app.info': route(
    Empty,
    z.object({
      name: z.string(),
      version: z.string(),
      mode: z.enum(['electron', 'web', 'cli']),
      dataDir: z.string(),
      platform: z.string(),
      nodeVersion: z.string(),
    }),
    'What is running, where it keeps its data.',
  ),
  'projects.list': route(
    Empty,
    z.object({ projects: z.array(ProjectSummarySchema) }),
    'Known projects, most recently opened first.',
  ),
  'projects.create': route(
    z
      .object({
        name: ProjectNameSchema,
        /** Parent folder; the project folder is <directory>/<name>. Default: the data dir's projects/. */
        directory: z.string().min(1).optional(),
      })
      .strict(),
    ProjectSummarySchema,
    'Create a new empty project folder and register it.',
  ),
  'projects.add': route(
    z.object({ path: z.string().min(1) }).strict(),
    ProjectSummarySchema,
    'Register an existing project folder (validating it first).',
  ),
  'projects.forget': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    z.object({ forgotten: z.boolean() }),
    'Remove a project from the list; its folder is left untouched.',
  ),
  'projects.get': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    ProjectDetailSchema,
    'Open a project and describe its contents.',
  ),
  'studies.list': route(
    z
      .object({
        projectId: ProjectIdSchema,
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
    z.object({ total: z.number().int(), studies: z.array(StudyRowSchema) }),
    'Studies of a project, with a report excerpt and evaluation-only labels.',
  ),
  'datasets.import': route(
    ImportDatasetInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    z.object({ jobId: JobIdSchema }),
    'Import studies and reports from a manifest CSV, in the background; bad studies are recorded, the rest imported.',
  ),
  'datasets.errors': route(
    z
      .object({
        projectId: ProjectIdSchema,
        datasetId: z.number().int().nullable().default(null),
        limit: z.number().int().min(1).max(1000).default(200),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
    z.object({ total: z.number().int(), errors: z.array(ImportErrorRowSchema) }),
    'What went wrong with each study that could not be imported.',
  ),
  'demo.ensure': route(
    Empty,
    z.object({ projectId: ProjectIdSchema, jobId: JobIdSchema.nullable() }),
    'Make sure the demo project exists; starts a job that builds it when it does not.',
  ),
  'jobs.list': route(Empty, z.object({ jobs: z.array(JobInfoSchema) }), 'Long work, running and recent.'),
  'jobs.cancel': route(
    z.object({ jobId: JobIdSchema }).strict(),
    z.object({ cancelled: z.boolean() }),
    'Ask a running job to stop; it ends with status cancelled.',
  ),
  'adapters.list': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    z.object({ adapters: z.array(AdapterRowSchema) }),
    'LoRA adapters of a project, with file size, trainable parameters and size against the base checkpoint.',
  ),
  'adapters.import': route(
    ImportAdapterInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    AdapterRowSchema,
    'Validate a PEFT adapter folder, copy it into the project and register it.',
  ),
  'adapters.export': route(
    z.object({ projectId: ProjectIdSchema, adapterId: AdapterIdSchema, folder: z.string().min(1) }).strict(),
    z.object({ folder: z.string() }),
    'Copy an adapter out as a PEFT folder (a new or empty folder; nothing is overwritten).',
  ),
  'adapters.delete': route(
    z.object({ projectId: ProjectIdSchema, adapterId: AdapterIdSchema }).strict(),
    z.object({ deleted: z.literal(true), name: z.string() }),
    'Remove an adapter: its row and its folder in the project.',
  ),
  'adapters.merge': route(
    MergeAdapterInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    MergedCheckpointSchema,
    'Fold an adapter into its base checkpoint and write a standalone checkpoint folder.',
  ),
} as const;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
export type RouteInput<R extends RouteName> = z.input<Routes[R]['input']>;
export type RouteParsedInput<R extends RouteName> = z.output<Routes[R]['input']>;
export type RouteOutput<R extends RouteName> = z.output<Routes[R]['output']>;

export const ROUTE_NAMES = Object.keys(routes) as RouteName[];

export function isRouteName(name: string): name is RouteName {
  return Object.prototype.hasOwnProperty.call(routes, name);
}
