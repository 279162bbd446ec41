/** Use cases on projects: list, create, register, forget, describe. */
import fs from 'node:fs';
import path from 'node:path';
import type { ProjectDetail, ProjectSummary, StudyRow } from '../../shared/api/project-schemas';
import { AppError, UserError } from '../../shared/errors';
import type { AppRegistry, RegisteredProject } from '../store/app-registry';
import { countProjectContents, listDatasets } from '../store/repositories/project-overview';
import { listStudies, type StudyListFilter } from '../store/repositories/study-repository';
import { createProject, inspectProject, openProject, type Project } from '../store/project-store';

export class ProjectService {
  constructor(
    private readonly registry: AppRegistry,
    private readonly dataDir: string,
    private readonly createdBy: string,
  ) {}

  get defaultProjectsDir(): string {
    return path.join(this.dataDir, 'projects');
  }

  list(): ProjectSummary[] {
    return this.registry.list().map((registered) => summarize(registered));
  }

  create(name: string, directory?: string): ProjectSummary {
    const dir = path.resolve(directory ?? this.defaultProjectsDir, name);
    const project = createProject(dir, { name, createdBy: this.createdBy });
    try {
      return this.register(project.dir, project.meta);
    } finally {
      project.close();
    }
  }

  /** Create the demo project's empty shell (the demo job fills it). */
  createDemoShell(): ProjectSummary {
    const dir = path.join(this.defaultProjectsDir, 'demo');
    if (fs.existsSync(path.join(dir, 'project.sqlite'))) return this.add(dir);
    const project = createProject(dir, { name: 'Demo: synthetic abdomen', isDemo: true, createdBy: this.createdBy });
    try {
      return this.register(project.dir, project.meta);
    } finally {
      project.close();
    }
  }

  /** Register an existing project folder, after checking it opens. */
  add(dir: string): ProjectSummary {
    const resolved = path.resolve(dir);
    const { meta } = inspectProject(resolved);
    return this.register(resolved, meta);
  }

  forget(projectId: string): boolean {
    return this.registry.remove(projectId);
  }

  resolve(projectId: string): RegisteredProject {
    const registered = this.registry.get(projectId);
    if (!registered)
      throw new UserError('PROJECT_NOT_FOUND', `No project with id ${projectId} is known here; add its folder first.`);
    return registered;
  }

  findDemo(): RegisteredProject | null {
    return this.registry.findDemo();
  }

  detail(projectId: string): ProjectDetail {
    const registered = this.resolve(projectId);
    return this.withReadOnly(registered, (project) => {
      this.registry.touch(projectId);
      return {
        project: { ...summarize(registered), name: project.meta.name },
        schemaVersion: project.schemaVersion,
        counts: countProjectContents(project.db),
        datasets: listDatasets(project.db),
      };
    });
  }

  studies(projectId: string, filter: StudyListFilter): { total: number; studies: StudyRow[] } {
    return this.withReadOnly(this.resolve(projectId), (project) => listStudies(project.db, filter));
  }

  withReadOnly<T>(registered: RegisteredProject, use: (project: Project) => T): T {
    const project = openProject(registered.path, { mode: 'read' });
    try {
      return use(project);
    } finally {
      project.close();
    }
  }

  private register(
    dir: string,
    meta: { id: string; name: string; isDemo: boolean; createdAt: string },
  ): ProjectSummary {
    this.registry.upsert({ id: meta.id, path: dir, name: meta.name, isDemo: meta.isDemo, createdAt: meta.createdAt });
    const registered = this.registry.get(meta.id);
    if (!registered) throw new UserError('IO_ERROR', `Could not register the project ${dir}.`);
    return summarize(registered);
  }
}

function summarize(registered: RegisteredProject): ProjectSummary {
  const base = {
    id: registered.id,
    name: registered.name,
    path: registered.path,
    isDemo: registered.isDemo,
    createdAt: registered.createdAt,
    lastOpenedAt: registered.lastOpenedAt,
  };
  if (!fs.existsSync(registered.path)) {
    return {
      ...base,
      status: 'missing',
      error: { code: 'PROJECT_NOT_FOUND', kind: 'user', message: `The folder ${registered.path} no longer exists.` },
    };
  }
  try {
    inspectProject(registered.path);
    return { ...base, status: 'ok', error: null };
  } catch (error) {
    const payload =
      error instanceof AppError
        ? error.toPayload()
        : { code: 'INTERNAL' as const, kind: 'bug' as const, message: String(error) };
    return { ...base, status: 'error', error: payload };
  }
}
