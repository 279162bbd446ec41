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

export function listStudies(
  db: Database.Database,
  limit: number,
  offset: number,
): { total: number; studies: StudyRow[] } {
  const total = (db.prepare('SELECT COUNT(*) AS n FROM studies').get() as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT s.id, s.study_uid, s.patient_id, s.dataset_id, s.split, s.image_path, s.labels_json, r.text AS report
       FROM studies s LEFT JOIN reports r ON r.study_id = s.id
       ORDER BY s.id LIMIT ? OFFSET ?`,
    )
    .all(limit, offset) as StudyDbRow[];
  return {
    total,
    studies: rows.map((row) => ({
      id: row.id,
      studyUid: row.study_uid,
      patientId: row.patient_id,
      datasetId: row.dataset_id,
      split: row.split,
      imagePath: row.image_path,
      reportExcerpt: excerpt(row.report ?? ''),
      labels: JSON.parse(row.labels_json) as Record<string, number>,
    })),
  };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
