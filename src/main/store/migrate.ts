/**
 * Versioned schema migrations. The version lives in PRAGMA user_version; all pending
 * migrations run in one transaction, so a failure leaves the file exactly as it was.
 */
import type Database from 'better-sqlite3';
import { BugError } from '../../shared/errors';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Apply the migrations above the file's version, up to `target` (default: all). */
export function runMigrations(db: Database.Database, migrations: readonly Migration[], target?: number): number {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new BugError(`Migrations must be numbered 1, 2, 3, ...; found ${m.version} at ${i + 1}.`);
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = ordered.filter((m) => m.version > current && (target === undefined || m.version <= target));
  if (pending.length === 0) return current;
  const apply = db.transaction(() => {
    for (const migration of pending) {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }
  });
  apply.immediate();
  return pending[pending.length - 1]?.version ?? current;
}
