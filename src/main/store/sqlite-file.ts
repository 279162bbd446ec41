/**
 * Safe opening of the SQLite files this program owns. An existing file is first checked
 * read-only (header, application id, integrity, schema version) so that a corrupt, foreign
 * or newer file is refused with a clear error and never written to.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { UserError } from '../../shared/errors';
import { runMigrations, type Migration } from './migrate';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface SqliteKind {
  /** What a person calls this file, e.g. "project database". */
  label: string;
  /** PRAGMA application_id that marks the file as ours. */
  applicationId: number;
  migrations: readonly Migration[];
}

export interface InspectResult {
  schemaVersion: number;
}

/** Check an existing file without writing to it. Throws a UserError naming the file. */
export function inspectSqliteFile(file: string, kind: SqliteKind): InspectResult {
  let header: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      header = Buffer.alloc(16);
      const read = fs.readSync(fd, header, 0, 16, 0);
      header = header.subarray(0, read);
    } finally {
      fs.closeSync(fd);
    }
  } catch (cause) {
    throw new UserError('IO_ERROR', `Cannot read the ${kind.label} ${file}: ${(cause as Error).message}`, { cause });
  }
  if (!header.equals(SQLITE_HEADER)) {
    throw new UserError(
      'PROJECT_CORRUPT',
      `${file} is not a SQLite database (its header is wrong): the ${kind.label} is damaged or was replaced. It was left untouched; restore it from a backup.`,
    );
  }

  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    if (applicationId !== kind.applicationId) {
      throw new UserError(
        'PROJECT_FOREIGN',
        `${file} is a SQLite database, but not a CT-VLM Workbench ${kind.label} (application id ${applicationId}). It was left untouched.`,
      );
    }
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') {
      throw new UserError(
        'PROJECT_CORRUPT',
        `The ${kind.label} ${file} failed its integrity check (${check}). It was left untouched; restore it from a backup.`,
      );
    }
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const latest = latestVersion(kind.migrations);
    if (schemaVersion > latest) {
      throw new UserError(
        'PROJECT_TOO_NEW',
        `The ${kind.label} ${file} has schema version ${schemaVersion}, but this version of CT-VLM Workbench understands up to version ${latest}. Update the workbench to open it.`,
      );
    }
    return { schemaVersion };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      'PROJECT_CORRUPT',
      `The ${kind.label} ${file} cannot be read as a database (${(error as Error).message}). It was left untouched.`,
      { cause: error },
    );
  } finally {
    db?.close();
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /** Make a copy (<file>.v<N>.bak) before migrating a file from schema version N. */
  backupBeforeMigrating?: boolean;
}

/** Open an existing file (inspected first) and bring its schema up to date. */
export function openSqliteFile(file: string, kind: SqliteKind, options: OpenOptions = {}): Database.Database {
  const { schemaVersion } = inspectSqliteFile(file, kind);
  if (options.readonly) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    if (schemaVersion < latestVersion(kind.migrations)) {
      // Read-only callers see an older schema; ask them to open it for writing once.
      db.close();
      throw new UserError(
        'PROJECT_OUTDATED',
        `The ${kind.label} ${file} has schema version ${schemaVersion}; open it for writing once (for example \`ctvlm project info\` without --read-only) to upgrade it to version ${latestVersion(kind.migrations)}.`,
      );
    }
    return db;
  }
  const db = new Database(file, { fileMustExist: true });
  try {
    configureWritable(db);
    if (
      schemaVersion < latestVersion(kind.migrations) &&
      schemaVersion > 0 &&
      options.backupBeforeMigrating !== false
    ) {
      const backup = `${file}.v${schemaVersion}.bak`;
      if (!fs.existsSync(backup)) db.prepare('VACUUM INTO ?').run(backup);
    }
    runMigrations(db, kind.migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Create a new file: write to a temporary name, then rename, so a crash leaves no half file. */
export function createSqliteFile(
  file: string,
  kind: SqliteKind,
  seed: (db: Database.Database) => void,
): Database.Database {
  if (fs.existsSync(file)) {
    throw new UserError('PROJECT_EXISTS', `${file} already exists; it was left untouched.`);
  }
  const temporary = `${file}.creating-${process.pid}`;
  fs.rmSync(temporary, { force: true });
  const db = new Database(temporary);
  try {
    db.pragma(`application_id = ${kind.applicationId}`);
    runMigrations(db, kind.migrations);
    db.transaction(() => seed(db))();
    db.close();
    fs.renameSync(temporary, file);
  } catch (error) {
    if (db.open) db.close();
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  return openSqliteFile(file, kind);
}

function configureWritable(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}
