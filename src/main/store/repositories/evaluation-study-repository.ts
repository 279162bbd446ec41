/** The studies an evaluation runs on: a split (or all) of one dataset (or all), with report and labels. */
import type Database from 'better-sqlite3';

export interface EvaluationStudy {
  id: number;
  studyUid: string;
  datasetId: number;
  split: 'train' | 'val' | 'test';
  /** As stored: relative to the project folder, or absolute. */
  imagePath: string;
  report: string | null;
  labels: Record<string, number>;
}

const SELECT_STUDIES = `SELECT s.id, s.study_uid, s.dataset_id, s.split, s.image_path, s.labels_json, r.text AS report
  FROM studies s LEFT JOIN reports r ON r.study_id = s.id`;

interface StudyDbRow {
  id: number;
  study_uid: string;
  dataset_id: number;
  split: 'train' | 'val' | 'test';
  image_path: string;
  labels_json: string;
  report: string | null;
}

export function listEvaluationStudies(
  db: Database.Database,
  split: 'train' | 'val' | 'test' | 'all',
  datasetId: number | null,
): EvaluationStudy[] {
  const rows = db
    .prepare(`${SELECT_STUDIES} WHERE (? = 'all' OR s.split = ?) AND (? IS NULL OR s.dataset_id = ?) ORDER BY s.id`)
    .all(split, split, datasetId, datasetId) as StudyDbRow[];
  return rows.map(toStudy);
}

/** A study by its project id, or by its study_uid (then, for digits only, by project id). */
export function findStudy(db: Database.Database, study: number | string): EvaluationStudy | null {
  const byUid = (uid: string) =>
    db.prepare(`${SELECT_STUDIES} WHERE s.study_uid = ? ORDER BY s.id LIMIT 1`).get(uid) as StudyDbRow | undefined;
  const byId = (id: number) => db.prepare(`${SELECT_STUDIES} WHERE s.id = ?`).get(id) as StudyDbRow | undefined;
  const row =
    typeof study === 'number' ? byId(study) : (byUid(study) ?? (/^\d+$/.test(study) ? byId(Number(study)) : undefined));
  return row ? toStudy(row) : null;
}

function toStudy(row: StudyDbRow): EvaluationStudy {
  return {
    id: row.id,
    studyUid: row.study_uid,
    datasetId: row.dataset_id,
    split: row.split,
    imagePath: row.image_path,
    report: row.report,
    labels: JSON.parse(row.labels_json) as Record<string, number>,
  };
}

export function datasetName(db: Database.Database, id: number): string | null {
  return (db.prepare('SELECT name FROM datasets WHERE id = ?').get(id) as { name: string } | undefined)?.name ?? null;
}
