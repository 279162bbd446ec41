/** A training run's checkpoint to evaluate: by run name or id, its "best" one, else its "last". */
import type Database from 'better-sqlite3';
import { UserError } from '../../../shared/errors';

export interface RunCheckpoint {
  runId: number;
  runName: string;
  tag: string;
  epoch: number;
  /** Relative to the project folder. */
  path: string;
  sha256: string;
}

export function findRunCheckpoint(db: Database.Database, run: string): RunCheckpoint {
  const byId = /^\d+$/.test(run) ? Number(run) : null;
  const found = db
    .prepare(
      byId !== null
        ? 'SELECT id, name FROM runs WHERE id = ?'
        : 'SELECT id, name FROM runs WHERE name = ? ORDER BY id DESC LIMIT 1',
    )
    .get(byId ?? run) as { id: number; name: string } | undefined;
  if (!found) {
    throw new UserError('INVALID_INPUT', `The project has no training run "${run}"; use "base" or a run's name or id.`);
  }
  const checkpoint = db
    .prepare(
      `SELECT tag, epoch, path, sha256 FROM checkpoints WHERE run_id = ? AND tag IN ('best', 'last')
       ORDER BY CASE tag WHEN 'best' THEN 0 ELSE 1 END LIMIT 1`,
    )
    .get(found.id) as { tag: string; epoch: number; path: string; sha256: string } | undefined;
  if (!checkpoint) {
    throw new UserError('INVALID_INPUT', `Run "${found.name}" has no checkpoint yet (neither best nor last).`);
  }
  return { runId: found.id, runName: found.name, ...checkpoint };
}
