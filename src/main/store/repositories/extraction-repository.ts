/**
 * Report extractions in SQLite: the cache (one row per report, engine, model, prompt version
 * and report hash), the report's current extraction, its sentences with grounding and review,
 * and per-report failures. Each report's result is written in one transaction, so a killed
 * job leaves every report either fully extracted or untouched.
 */
import type Database from 'better-sqlite3';
import type {
  ExtractedSentence,
  ExtractionDetail,
  ExtractionEngine,
  ExtractionInfo,
  ExtractionListRow,
  SentenceReview,
} from '../../../shared/api/extraction-schemas';
import { ErrorPayloadSchema, UserError, type ErrorPayload } from '../../../shared/errors';
import type { SentenceDraft } from '../../text/extraction/sentence-drafts';
import type { StructuredReport } from '../../text/extraction/structured-report';

export interface ReportToExtract {
  reportId: number;
  studyId: number;
  studyUid: string;
  datasetId: number;
  text: string;
  sha256: string;
}

export interface ExtractionKey {
  reportId: number;
  reportSha256: string;
  engine: ExtractionEngine;
  /** '' for the rules engine. */
  model: string;
  promptVersion: string;
}

export function reportsToExtract(db: Database.Database, datasetId: number | null): ReportToExtract[] {
  return db
    .prepare(
      `SELECT r.id AS reportId, s.id AS studyId, s.study_uid AS studyUid, s.dataset_id AS datasetId, r.text, r.sha256
       FROM reports r JOIN studies s ON s.id = r.study_id
       WHERE (? IS NULL OR s.dataset_id = ?) ORDER BY s.id`,
    )
    .all(datasetId, datasetId) as ReportToExtract[];
}

/** The cached extraction for a key, if any. */
export function findExtraction(
  db: Database.Database,
  key: ExtractionKey,
): { id: number; status: 'succeeded' | 'failed'; active: boolean } | null {
  const row = db
    .prepare(
      `SELECT id, status, active FROM extractions
       WHERE report_id = ? AND engine = ? AND model = ? AND prompt_version = ? AND report_sha256 = ?`,
    )
    .get(key.reportId, key.engine, key.model, key.promptVersion, key.reportSha256) as
    { id: number; status: 'succeeded' | 'failed'; active: number } | undefined;
  return row ? { id: row.id, status: row.status, active: row.active === 1 } : null;
}

/** Make an extraction the report's current one (the one training and export read). */
export function activateExtraction(db: Database.Database, reportId: number, extractionId: number): void {
  db.transaction(() => {
    db.prepare('UPDATE extractions SET active = 0 WHERE report_id = ? AND active = 1 AND id != ?').run(
      reportId,
      extractionId,
    );
    db.prepare('UPDATE extractions SET active = 1 WHERE id = ?').run(extractionId);
  })();
}

/** Store a successful extraction with its sentences and make it current, replacing the key's old row. */
export function saveExtraction(
  db: Database.Database,
  key: ExtractionKey,
  answer: StructuredReport,
  attempts: number,
  drafts: readonly SentenceDraft[],
): number {
  const now = new Date().toISOString();
  return db.transaction(() => {
    deleteKey(db, key);
    const id = Number(
      db
        .prepare(
          `INSERT INTO extractions (report_id, report_sha256, engine, model, prompt_version, status, attempts, answer_json, created_at)
           VALUES (?, ?, ?, ?, ?, 'succeeded', ?, ?, ?)`,
        )
        .run(
          key.reportId,
          key.reportSha256,
          key.engine,
          key.model,
          key.promptVersion,
          attempts,
          JSON.stringify(answer),
          now,
        ).lastInsertRowid,
    );
    insertSentences(db, id, key, drafts, { review: 'pending', edited: false, createdAt: now });
    activateExtraction(db, key.reportId, id);
    return id;
  })();
}

/** Record that a report failed; a successful extraction already stored for the key is kept. */
export function saveFailure(db: Database.Database, key: ExtractionKey, error: ErrorPayload, attempts: number): void {
  db.transaction(() => {
    const existing = findExtraction(db, key);
    if (existing?.status === 'succeeded') return;
    deleteKey(db, key);
    db.prepare(
      `INSERT INTO extractions (report_id, report_sha256, engine, model, prompt_version, status, error_json, attempts, created_at)
       VALUES (?, ?, ?, ?, ?, 'failed', ?, ?, ?)`,
    ).run(
      key.reportId,
      key.reportSha256,
      key.engine,
      key.model,
      key.promptVersion,
      JSON.stringify(error),
      attempts,
      new Date().toISOString(),
    );
  })();
}

const SHOWN_EXTRACTION = `COALESCE(
  (SELECT x.id FROM extractions x WHERE x.report_id = r.id AND x.active = 1),
  (SELECT x.id FROM extractions x WHERE x.report_id = r.id AND x.status = 'failed' ORDER BY x.id DESC LIMIT 1))`;

interface ListSqlRow {
  studyId: number;
  studyUid: string;
  datasetId: number;
  split: string;
  status: 'succeeded' | 'failed' | null;
  engine: ExtractionEngine | null;
  model: string | null;
  promptVersion: string | null;
  errorJson: string | null;
  sentences: number;
  ungrounded: number;
  needsReview: number;
}

const LIST_SQL = `
  WITH shown AS (
    SELECT s.id AS studyId, s.study_uid AS studyUid, s.dataset_id AS datasetId, s.split, ${SHOWN_EXTRACTION} AS extractionId
    FROM studies s JOIN reports r ON r.study_id = s.id
  ), listed AS (
    SELECT shown.studyId, shown.studyUid, shown.datasetId, shown.split, x.status, x.engine, x.model,
      x.prompt_version AS promptVersion, x.error_json AS errorJson,
      (SELECT COUNT(*) FROM extracted_sections e WHERE e.extraction_id = x.id AND e.review != 'rejected') AS sentences,
      (SELECT COUNT(*) FROM extracted_sections e WHERE e.extraction_id = x.id AND e.grounded = 0) AS ungrounded,
      (SELECT COUNT(*) FROM extracted_sections e WHERE e.extraction_id = x.id AND e.grounded = 0 AND e.review = 'pending') AS needsReview
    FROM shown LEFT JOIN extractions x ON x.id = shown.extractionId
  )`;

const FILTERS = {
  all: '1 = 1',
  'needs-review': "status = 'succeeded' AND needsReview > 0",
  failed: "status = 'failed'",
  none: 'status IS NULL',
} as const;

/** Which count is each filter's total. */
const FILTER_TOTALS = { all: 'reports', 'needs-review': 'needsReview', failed: 'failed', none: 'none' } as const;

export function listExtractions(
  db: Database.Database,
  filter: keyof typeof FILTERS,
  limit: number,
  offset: number,
): {
  total: number;
  counts: { reports: number; extracted: number; failed: number; none: number; needsReview: number };
  rows: ExtractionListRow[];
} {
  const counts = db
    .prepare(
      `${LIST_SQL} SELECT COUNT(*) AS reports,
         COALESCE(SUM(status = 'succeeded'), 0) AS extracted,
         COALESCE(SUM(status = 'failed'), 0) AS failed,
         COALESCE(SUM(status IS NULL), 0) AS none,
         COALESCE(SUM(status = 'succeeded' AND needsReview > 0), 0) AS needsReview
       FROM listed`,
    )
    .get() as { reports: number; extracted: number; failed: number; none: number; needsReview: number };
  const where = FILTERS[filter];
  const total = counts[FILTER_TOTALS[filter]];
  const rows = db
    .prepare(`${LIST_SQL} SELECT * FROM listed WHERE ${where} ORDER BY studyId LIMIT ? OFFSET ?`)
    .all(limit, offset) as ListSqlRow[];
  return {
    total,
    counts,
    rows: rows.map((row) => ({
      studyId: row.studyId,
      studyUid: row.studyUid,
      datasetId: row.datasetId,
      split: row.split,
      status: row.status ?? 'none',
      engine: row.engine,
      model: row.model === null ? null : row.model || null,
      promptVersion: row.promptVersion,
      sentences: row.sentences,
      ungrounded: row.ungrounded,
      needsReview: row.needsReview,
      error: parseError(row.errorJson),
    })),
  };
}

interface SentenceSqlRow {
  id: number;
  section: string;
  text: string;
  grounded: number;
  review: SentenceReview;
  edited: number;
  start_offset: number | null;
  end_offset: number | null;
}

export function extractionDetail(db: Database.Database, studyId: number): ExtractionDetail {
  const study = db
    .prepare(
      `SELECT s.id AS studyId, s.study_uid AS studyUid, r.id AS reportId, r.text AS report, ${SHOWN_EXTRACTION} AS extractionId
       FROM studies s JOIN reports r ON r.study_id = s.id WHERE s.id = ?`,
    )
    .get(studyId) as
    { studyId: number; studyUid: string; reportId: number; report: string; extractionId: number | null } | undefined;
  if (!study) {
    throw new UserError('INVALID_INPUT', `Study ${studyId} does not exist in this project or has no report.`);
  }
  const extraction = study.extractionId === null ? null : extractionInfo(db, study.extractionId);
  const sentences =
    study.extractionId === null
      ? []
      : (
          db
            .prepare('SELECT * FROM extracted_sections WHERE extraction_id = ? ORDER BY id')
            .all(study.extractionId) as SentenceSqlRow[]
        ).map(toSentence);
  return { studyId: study.studyId, studyUid: study.studyUid, report: study.report, extraction, sentences };
}

/** Review a sentence and every copy of it (same text) in the same extraction; returns them all. */
export function reviewSentence(db: Database.Database, sentenceId: number, review: SentenceReview): ExtractedSentence[] {
  const target = db.prepare('SELECT extraction_id, text FROM extracted_sections WHERE id = ?').get(sentenceId) as
    { extraction_id: number | null; text: string } | undefined;
  if (!target) throw new UserError('INVALID_INPUT', `There is no extracted sentence ${sentenceId} in this project.`);
  const copies = db
    .prepare('SELECT id FROM extracted_sections WHERE id = ? OR (extraction_id = ? AND text = ?) ORDER BY id')
    .all(sentenceId, target.extraction_id, target.text) as Array<{ id: number }>;
  const update = db.prepare('UPDATE extracted_sections SET review = ? WHERE id = ?');
  const read = db.prepare('SELECT * FROM extracted_sections WHERE id = ?');
  return db.transaction(() =>
    copies.map(({ id }) => {
      update.run(review, id);
      return toSentence(read.get(id) as SentenceSqlRow);
    }),
  )();
}

/** Replace one section's sentences of a report's current extraction with a person's text (accepted). */
export function replaceSection(
  db: Database.Database,
  studyId: number,
  section: string,
  drafts: readonly SentenceDraft[],
): void {
  db.transaction(() => {
    const current = db
      .prepare(
        `SELECT x.id, x.report_id, x.report_sha256, x.engine, x.model, x.prompt_version FROM extractions x
         JOIN reports r ON r.id = x.report_id WHERE r.study_id = ? AND x.active = 1`,
      )
      .get(studyId) as
      | {
          id: number;
          report_id: number;
          report_sha256: string;
          engine: ExtractionEngine;
          model: string;
          prompt_version: string;
        }
      | undefined;
    if (!current) {
      throw new UserError(
        'INVALID_INPUT',
        `Study ${studyId}'s report has not been extracted yet; run the extraction first.`,
      );
    }
    db.prepare('DELETE FROM extracted_sections WHERE extraction_id = ? AND section = ?').run(current.id, section);
    const key: ExtractionKey = {
      reportId: current.report_id,
      reportSha256: current.report_sha256,
      engine: current.engine,
      model: current.model,
      promptVersion: current.prompt_version,
    };
    insertSentences(db, current.id, key, drafts, {
      review: 'accepted',
      edited: true,
      createdAt: new Date().toISOString(),
    });
  })();
}

export interface CurrentExtraction {
  studyUid: string;
  engine: ExtractionEngine;
  model: string;
  promptVersion: string;
  sentences: Array<{ section: string; text: string; grounded: boolean; review: SentenceReview }>;
}

/** Every report's current extraction with its sentences (for export). */
export function currentExtractions(db: Database.Database): CurrentExtraction[] {
  const rows = db
    .prepare(
      `SELECT x.id, s.study_uid AS studyUid, x.engine, x.model, x.prompt_version AS promptVersion
       FROM extractions x JOIN reports r ON r.id = x.report_id JOIN studies s ON s.id = r.study_id
       WHERE x.active = 1 ORDER BY s.id`,
    )
    .all() as Array<{ id: number; studyUid: string; engine: ExtractionEngine; model: string; promptVersion: string }>;
  const sentences = db.prepare(
    'SELECT section, text, grounded, review FROM extracted_sections WHERE extraction_id = ? ORDER BY id',
  );
  return rows.map((row) => ({
    studyUid: row.studyUid,
    engine: row.engine,
    model: row.model,
    promptVersion: row.promptVersion,
    sentences: (
      sentences.all(row.id) as Array<{ section: string; text: string; grounded: number; review: SentenceReview }>
    ).map((sentence) => ({ ...sentence, grounded: sentence.grounded === 1 })),
  }));
}

/** Per report, the most recent successful Ollama answer (for agreement with the rules). */
export function latestLlmAnswers(
  db: Database.Database,
): Array<{ datasetId: number; datasetName: string; model: string; report: string; answer: StructuredReport }> {
  const rows = db
    .prepare(
      `SELECT s.dataset_id AS datasetId, d.name AS datasetName, x.model, r.text AS report, x.answer_json AS answerJson
       FROM extractions x JOIN reports r ON r.id = x.report_id JOIN studies s ON s.id = r.study_id
       JOIN datasets d ON d.id = s.dataset_id
       WHERE x.id = (SELECT y.id FROM extractions y WHERE y.report_id = r.id AND y.engine = 'ollama'
                     AND y.status = 'succeeded' ORDER BY y.id DESC LIMIT 1)
       ORDER BY s.dataset_id, s.id`,
    )
    .all() as Array<{ datasetId: number; datasetName: string; model: string; report: string; answerJson: string }>;
  return rows.map(({ answerJson, ...row }) => ({ ...row, answer: JSON.parse(answerJson) as StructuredReport }));
}

function extractionInfo(db: Database.Database, id: number): ExtractionInfo {
  const row = db.prepare('SELECT * FROM extractions WHERE id = ?').get(id) as {
    id: number;
    engine: ExtractionEngine;
    model: string;
    prompt_version: string;
    status: 'succeeded' | 'failed';
    error_json: string | null;
    attempts: number;
    created_at: string;
  };
  return {
    id: row.id,
    engine: row.engine,
    model: row.model,
    promptVersion: row.prompt_version,
    status: row.status,
    error: parseError(row.error_json),
    attempts: row.attempts,
    createdAt: row.created_at,
  };
}

function insertSentences(
  db: Database.Database,
  extractionId: number,
  key: ExtractionKey,
  drafts: readonly SentenceDraft[],
  state: { review: SentenceReview; edited: boolean; createdAt: string },
): void {
  const insert = db.prepare(
    `INSERT INTO extracted_sections (report_id, extraction_id, engine, model, prompt_version, section, text, grounded,
       review, edited, start_offset, end_offset, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const draft of drafts) {
    insert.run(
      key.reportId,
      extractionId,
      key.engine,
      key.model || null,
      key.promptVersion,
      draft.section,
      draft.text,
      draft.grounded ? 1 : 0,
      state.review,
      state.edited ? 1 : 0,
      draft.start,
      draft.end,
      state.createdAt,
    );
  }
}

function deleteKey(db: Database.Database, key: ExtractionKey): void {
  db.prepare(
    'DELETE FROM extractions WHERE report_id = ? AND engine = ? AND model = ? AND prompt_version = ? AND report_sha256 = ?',
  ).run(key.reportId, key.engine, key.model, key.promptVersion, key.reportSha256);
}

function toSentence(row: SentenceSqlRow): ExtractedSentence {
  return {
    id: row.id,
    section: row.section,
    text: row.text,
    grounded: row.grounded === 1,
    review: row.review,
    edited: row.edited === 1,
    start: row.start_offset,
    end: row.end_offset,
  };
}

function parseError(json: string | null): ErrorPayload | null {
  if (!json) return null;
  const parsed = ErrorPayloadSchema.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : null;
}
