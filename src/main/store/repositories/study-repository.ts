import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StudyRow } from '../../../shared/api/project-schemas';

export interface NewStudy {
  datasetId: number;
  studyUid: string;
  patientId: string;
  split: 'train' | 'val' | 'test';
  imagePath: string;
  imageSha256: string | null;
  labels: Record<string, number>;
  reportText: string;
  /** The image grid as read at import (dims, spacing, kind). */
  imageMeta?: Record<string, unknown> | null;
}

export function insertDataset(db: Database.Database, name: string, source: string): number {
  const existing = db.prepare('SELECT id FROM datasets WHERE name = ?').get(name) as { id: number } | undefined;
  if (existing) return existing.id;
  return Number(
    db
      .prepare('INSERT INTO datasets (name, source, created_at) VALUES (?, ?, ?)')
      .run(name, source, new Date().toISOString()).lastInsertRowid,
  );
}

/** A study and its verbatim report, in one transaction. */
export function insertStudyWithReport(db: Database.Database, study: NewStudy): number {
  return db.transaction(() => {
    const now = new Date().toISOString();
    const studyId = Number(
      db
        .prepare(
          `INSERT INTO studies (dataset_id, study_uid, patient_id, split, image_path, image_sha256, labels_json, image_meta_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          study.datasetId,
          study.studyUid,
          study.patientId,
          study.split,
          study.imagePath,
          study.imageSha256,
          JSON.stringify(study.labels),
          study.imageMeta ? JSON.stringify(study.imageMeta) : null,
          now,
        ).lastInsertRowid,
    );
    db.prepare('INSERT INTO reports (study_id, text, sha256) VALUES (?, ?, ?)').run(
      studyId,
      study.reportText,
      createHash('sha256').update(study.reportText).digest('hex'),
    );
    return studyId;
  })();
}

export function studyExists(db: Database.Database, datasetId: number, studyUid: string): boolean {
  return (
    db.prepare('SELECT 1 FROM studies WHERE dataset_id = ? AND study_uid = ?').get(datasetId, studyUid) !== undefined
  );
}

interface StudyDbRow {
  id: number;
  study_uid: string;
  patient_id: string;
  dataset_id: number;
  split: 'train' | 'val' | 'test';
  image_path: string;
  labels_json: string;
  report: string | null;
}

export interface StudyListFilter {
  limit: number;
  offset: number;
  /** Matched (case-insensitive, anywhere) against the study id, the patient id and the report. */
  search: string | null;
  split: 'train' | 'val' | 'test' | null;
}

/** A study's report extraction: extracted (a current extraction), failed (only failed attempts) or none. */
const EXTRACTION_STATUS = `CASE
  WHEN EXISTS (SELECT 1 FROM extractions x WHERE x.report_id = r.id AND x.active = 1) THEN 'extracted'
  WHEN EXISTS (SELECT 1 FROM extractions x WHERE x.report_id = r.id AND x.status = 'failed') THEN 'failed'
  ELSE 'none' END`;

const NEEDS_REVIEW = `(SELECT COUNT(*) FROM extracted_sections e JOIN extractions x ON x.id = e.extraction_id
  WHERE x.report_id = r.id AND x.active = 1 AND e.grounded = 0 AND e.review = 'pending')`;

export function listStudies(db: Database.Database, filter: StudyListFilter): { total: number; studies: StudyRow[] } {
  const pattern = filter.search ? `%${filter.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
  const where = `WHERE (? IS NULL OR s.split = ?)
    AND (? IS NULL OR s.study_uid LIKE ? ESCAPE '\\' OR s.patient_id LIKE ? ESCAPE '\\' OR r.text LIKE ? ESCAPE '\\')`;
  const params = [filter.split, filter.split, pattern, pattern, pattern, pattern];
  const total = (
    db
      .prepare(`SELECT COUNT(*) AS n FROM studies s LEFT JOIN reports r ON r.study_id = s.id ${where}`)
      .get(...params) as {
      n: number;
    }
  ).n;
  const rows = db
    .prepare(
      `SELECT s.id, s.study_uid, s.patient_id, s.dataset_id, s.split, s.image_path, s.labels_json, r.text AS report,
         ${EXTRACTION_STATUS} AS extraction, ${NEEDS_REVIEW} AS needs_review
       FROM studies s LEFT JOIN reports r ON r.study_id = s.id
       ${where}
       ORDER BY s.id LIMIT ? OFFSET ?`,
    )
    .all(...params, filter.limit, filter.offset) as StudyListDbRow[];
  return { total, studies: rows.map(toStudyRow) };
}

type StudyListDbRow = StudyDbRow & { extraction: 'extracted' | 'failed' | 'none'; needs_review: number };

function toStudyRow(row: StudyListDbRow): StudyRow {
  return {
    id: row.id,
    studyUid: row.study_uid,
    patientId: row.patient_id,
    datasetId: row.dataset_id,
    split: row.split,
    imagePath: row.image_path,
    reportExcerpt: excerpt(row.report ?? ''),
    labels: JSON.parse(row.labels_json) as Record<string, number>,
    extraction: row.report === null ? 'none' : row.extraction,
    needsReview: row.needs_review,
  };
}

/** The image grid recorded at import (older projects have none). */
export interface StoredImageMeta {
  dims: [number, number, number];
  spacingMm: [number, number, number];
  kind: 'nifti' | 'dicom';
}

/** One study's row with its whole report and recorded image grid; null when the project has no such study. */
export function getStudy(
  db: Database.Database,
  studyId: number,
): { row: StudyRow; report: string | null; imageMeta: StoredImageMeta | null } | null {
  const row = db
    .prepare(
      `SELECT s.id, s.study_uid, s.patient_id, s.dataset_id, s.split, s.image_path, s.labels_json, s.image_meta_json,
         r.text AS report, ${EXTRACTION_STATUS} AS extraction, ${NEEDS_REVIEW} AS needs_review
       FROM studies s LEFT JOIN reports r ON r.study_id = s.id WHERE s.id = ?`,
    )
    .get(studyId) as (StudyListDbRow & { image_meta_json: string | null }) | undefined;
  if (!row) return null;
  return {
    row: toStudyRow(row),
    report: row.report,
    imageMeta: row.image_meta_json ? (JSON.parse(row.image_meta_json) as StoredImageMeta) : null,
  };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
