import type Database from 'better-sqlite3';
import type { DatasetSummary, ProjectCounts } from '../../../shared/api/project-schemas';

export function countProjectContents(db: Database.Database): ProjectCounts {
  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    datasets: count('datasets'),
    studies: count('studies'),
    reports: count('reports'),
    runs: count('runs'),
    adapters: count('adapters'),
    evaluations: count('evaluations'),
  };
}

export function listDatasets(db: Database.Database): DatasetSummary[] {
  const rows = db
    .prepare(
      `SELECT d.id, d.name, d.source, d.created_at AS createdAt, COUNT(s.id) AS studyCount
       FROM datasets d LEFT JOIN studies s ON s.dataset_id = d.id
       GROUP BY d.id ORDER BY d.id`,
    )
    .all() as DatasetSummary[];
  return rows;
}
