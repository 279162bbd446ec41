/**
 * A project is a folder: project.sqlite (metadata, never tensors), files/ (volumes,
 * checkpoints, adapters, outputs) and, while someone writes, project.lock.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../../shared/errors';
import { acquireProjectLock, type ProjectLock } from './project-lock';
import { PROJECT_DB_FILE, PROJECT_FILES_DIR, projectDatabase } from './project-schema';
import { createSqliteFile, inspectSqliteFile, openSqliteFile } from './sqlite-file';

export interface ProjectMeta {
  id: string;
  name: string;
  createdAt: string;
  isDemo: boolean;
  createdBy: string;
}

export class Project {
  constructor(
    readonly dir: string,
    readonly db: Database.Database,
    readonly meta: ProjectMeta,
    private readonly lock: ProjectLock | null,
  ) {}

  get writable(): boolean {
    return this.lock !== null;
  }

  /** The lock token a worker process needs to write under this process's lock. */
  get lockToken(): string | null {
    return this.lock?.token ?? null;
  }

  get filesDir(): string {
    return path.join(this.dir, PROJECT_FILES_DIR);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM project_meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.lock?.release();
  }
}

export function projectDbPath(dir: string): string {
  return path.join(dir, PROJECT_DB_FILE);
}

export interface CreateProjectOptions {
  name: string;
  isDemo?: boolean;
  createdBy: string;
}

/** Make a new project folder. Refuses a folder that already holds a project. */
export function createProject(dir: string, options: CreateProjectOptions): Project {
  const dbFile = projectDbPath(dir);
  if (fs.existsSync(dbFile)) {
    throw new UserError(
      'PROJECT_EXISTS',
      `${dir} already holds a project; open it instead, or choose another name or folder.`,
    );
  }
  fs.mkdirSync(path.join(dir, PROJECT_FILES_DIR), { recursive: true });
  const lock = acquireProjectLock(dir, `creating project "${options.name}"`);
  try {
    const meta: ProjectMeta = {
      id: randomUUID(),
      name: options.name,
      createdAt: new Date().toISOString(),
      isDemo: options.isDemo ?? false,
      createdBy: options.createdBy,
    };
    const db = createSqliteFile(dbFile, projectDatabase, (seed) => {
      const insert = seed.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?)');
      insert.run('id', meta.id);
      insert.run('name', meta.name);
      insert.run('created_at', meta.createdAt);
      insert.run('is_demo', meta.isDemo ? '1' : '0');
      insert.run('created_by', meta.createdBy);
    });
    return new Project(dir, db, meta, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

export interface OpenProjectOptions {
  /** 'read' takes no lock; 'write' takes the project's single-writer lock. */
  mode: 'read' | 'write';
  /** Shown to a second process that is refused the lock. */
  purpose?: string;
  /** Write under the lock of the process that started this one. */
  lockToken?: string;
}

export function openProject(dir: string, options: OpenProjectOptions): Project {
  const dbFile = projectDbPath(dir);
  if (!fs.existsSync(dbFile)) {
    throw new UserError(
      'PROJECT_NOT_FOUND',
      fs.existsSync(dir)
        ? `${dir} is not a CT-VLM Workbench project (it has no ${PROJECT_DB_FILE}).`
        : `The project folder ${dir} does not exist.`,
    );
  }
  if (options.mode === 'read') {
    const db = openReadOnlyUpgrading(dir, dbFile);
    return new Project(dir, db, readMeta(db, dbFile), null);
  }
  const lock = acquireProjectLock(dir, options.purpose ?? 'writing', options.lockToken);
  try {
    const db = openSqliteFile(dbFile, projectDatabase);
    return new Project(dir, db, readMeta(db, dbFile), lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Read a project's identity without opening it for writing or migrating it. */
export function inspectProject(dir: string): { meta: ProjectMeta; schemaVersion: number } {
  const dbFile = projectDbPath(dir);
  if (!fs.existsSync(dbFile)) {
    throw new UserError('PROJECT_NOT_FOUND', `The project folder ${dir} does not exist or has no ${PROJECT_DB_FILE}.`);
  }
  const { schemaVersion } = inspectSqliteFile(dbFile, projectDatabase);
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return { meta: readMeta(db, dbFile), schemaVersion };
  } finally {
    db.close();
  }
}

/** A read-only connection; an older schema is first upgraded once under the write lock. */
function openReadOnlyUpgrading(dir: string, dbFile: string): Database.Database {
  try {
    return openSqliteFile(dbFile, projectDatabase, { readonly: true });
  } catch (error) {
    if (!(error instanceof UserError) || error.code !== 'PROJECT_OUTDATED') throw error;
    openProject(dir, { mode: 'write', purpose: 'upgrading the project schema' }).close();
    return openSqliteFile(dbFile, projectDatabase, { readonly: true });
  }
}

function readMeta(db: Database.Database, dbFile: string): ProjectMeta {
  const rows = db.prepare('SELECT key, value FROM project_meta').all() as { key: string; value: string }[];
  const map = new Map(rows.map((r) => [r.key, r.value]));
  const id = map.get('id');
  const name = map.get('name');
  if (!id || !name) {
    throw new UserError(
      'PROJECT_CORRUPT',
      `The project database ${dbFile} has no project id or name; it was left untouched.`,
    );
  }
  return {
    id,
    name,
    createdAt: map.get('created_at') ?? '',
    isDemo: map.get('is_demo') === '1',
    createdBy: map.get('created_by') ?? '',
  };
}
