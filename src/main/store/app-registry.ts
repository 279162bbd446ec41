/**
 * The workbench's own small database (<dataDir>/workbench.sqlite): which projects this
 * user knows, most recent first. Several processes (the server, the CLI) may use it at
 * once; SQLite's WAL and busy timeout make that safe.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Migration } from './migrate';
import { createSqliteFile, openSqliteFile, type SqliteKind } from './sqlite-file';

export const REGISTRY_FILE = 'workbench.sqlite';

const registryMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'projects',
    up(db) {
      db.exec(`
        CREATE TABLE projects (
          id TEXT PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          is_demo INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          last_opened_at TEXT NOT NULL
        );
        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
];

const registryDatabase: SqliteKind = {
  label: 'workbench registry',
  applicationId: 0x43545657, // 'CTVW'
  migrations: registryMigrations,
};

export interface RegisteredProject {
  id: string;
  path: string;
  name: string;
  isDemo: boolean;
  createdAt: string;
  lastOpenedAt: string;
}

interface ProjectRow {
  id: string;
  path: string;
  name: string;
  is_demo: number;
  created_at: string;
  last_opened_at: string;
}

export class AppRegistry {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): AppRegistry {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, REGISTRY_FILE);
    let db: Database.Database;
    if (fs.existsSync(file)) {
      db = openSqliteFile(file, registryDatabase);
    } else {
      try {
        db = createSqliteFile(file, registryDatabase, () => undefined);
      } catch (error) {
        // Another process created it between our check and our rename.
        if (!fs.existsSync(file)) throw error;
        db = openSqliteFile(file, registryDatabase);
      }
    }
    return new AppRegistry(db);
  }

  list(): RegisteredProject[] {
    const rows = this.db.prepare('SELECT * FROM projects ORDER BY last_opened_at DESC, name').all() as ProjectRow[];
    return rows.map(toRegistered);
  }

  get(id: string): RegisteredProject | null {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    return row ? toRegistered(row) : null;
  }

  findDemo(): RegisteredProject | null {
    const row = this.db.prepare('SELECT * FROM projects WHERE is_demo = 1 ORDER BY created_at LIMIT 1').get() as
      ProjectRow | undefined;
    return row ? toRegistered(row) : null;
  }

  /** Add or refresh a project; the same folder registered again keeps one row. */
  upsert(project: Omit<RegisteredProject, 'lastOpenedAt'>): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM projects WHERE path = ? AND id <> ?').run(project.path, project.id);
      this.db
        .prepare(
          `INSERT INTO projects (id, path, name, is_demo, created_at, last_opened_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET path = excluded.path, name = excluded.name, is_demo = excluded.is_demo, last_opened_at = excluded.last_opened_at`,
        )
        .run(project.id, project.path, project.name, project.isDemo ? 1 : 0, project.createdAt, now);
    })();
  }

  touch(id: string): void {
    this.db.prepare('UPDATE projects SET last_opened_at = ? WHERE id = ?').run(new Date().toISOString(), id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM projects WHERE id = ?').run(id).changes > 0;
  }

  getSetting(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toRegistered(row: ProjectRow): RegisteredProject {
  return {
    id: row.id,
    path: row.path,
    name: row.name,
    isDemo: row.is_demo === 1,
    createdAt: row.created_at,
    lastOpenedAt: row.last_opened_at,
  };
}
