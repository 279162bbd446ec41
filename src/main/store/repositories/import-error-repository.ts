import type Database from 'better-sqlite3';
import type { ImportErrorRow } from '../../../shared/api/dataset-schemas';

export interface NewImportError {
  datasetId: number;
  studyUid: string | null;
  source: string;
  code: string;
  message: string;
}

export function clearImportErrors(db: Database.Database, datasetId: number): void {
  db.prepare('DELETE FROM import_errors WHERE dataset_id = ?').run(datasetId);
}

export function recordImportError(db: Database.Database, error: NewImportError): void {
  db.prepare(
    'INSERT INTO import_errors (dataset_id, study_uid, source, code, message, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(error.datasetId, error.studyUid, error.source, error.code, error.message, new Date().toISOString());
}

export function listImportErrors(
  db: Database.Database,
  datasetId: number | null,
  limit: number,
  offset: number,
): { total: number; errors: ImportErrorRow[] } {
  const where = datasetId === null ? '' : 'WHERE dataset_id = ?';
  const params = datasetId === null ? [] : [datasetId];
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM import_errors ${where}`).get(...params) as { n: number }).n;
  const errors = db
    .prepare(
      `SELECT id, dataset_id AS datasetId, study_uid AS studyUid, source, code, message, created_at AS createdAt
       FROM import_errors ${where} ORDER BY id LIMIT ? OFFSET ?`,
    )
    .all(...params, limit, offset) as ImportErrorRow[];
  return { total, errors };
}
