/**
 * Evaluations and their predictions. The row keeps the whole metrics.json (small: numbers and ROC
 * points), the predictions table one score per study and class; embeddings stay in files.
 */
import type Database from 'better-sqlite3';
import {
  MetricsDocumentSchema,
  type EvaluationRow,
  type MetricsDocument,
  type PredictionRow,
} from '../../../shared/api/evaluation-schemas';
import { UserError } from '../../../shared/errors';

export interface NewPrediction {
  studyId: number;
  className: string;
  label: 0 | 1 | null;
  score: number;
  pred: 0 | 1;
}

export interface NewEvaluation {
  metrics: MetricsDocument;
  adapterId: number | null;
  runId: number | null;
  outputDir: string | null;
  predictions: readonly NewPrediction[];
}

/** Insert the evaluation and its predictions in one transaction; returns its id. */
export function insertEvaluation(db: Database.Database, evaluation: NewEvaluation): number {
  return db.transaction(() => {
    const { metrics } = evaluation;
    const id = Number(
      db
        .prepare(
          `INSERT INTO evaluations (run_id, adapter_id, task, metrics_json, created_at, source, source_label,
             model_sha256, dataset_id, split, study_count, output_dir)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          evaluation.runId,
          evaluation.adapterId,
          metrics.task.name,
          '{}',
          metrics.createdAt,
          metrics.model.kind,
          metrics.model.label,
          metrics.model.adapterSha256 ?? metrics.model.baseSha256,
          metrics.dataset?.id ?? null,
          metrics.split,
          metrics.studies,
          evaluation.outputDir,
        ).lastInsertRowid,
    );
    db.prepare('UPDATE evaluations SET metrics_json = ? WHERE id = ?').run(
      JSON.stringify({ ...metrics, evaluationId: id }),
      id,
    );
    const insert = db.prepare(
      'INSERT INTO predictions (evaluation_id, study_id, class, label, score, pred) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const p of evaluation.predictions) insert.run(id, p.studyId, p.className, p.label, p.score, p.pred);
    return id;
  })();
}

interface EvaluationDbRow {
  id: number;
  task: string;
  metrics_json: string;
  created_at: string;
  source: string;
  source_label: string;
  dataset_id: number | null;
  split: string;
  study_count: number;
  output_dir: string | null;
}

export function listEvaluations(db: Database.Database, task: string | null): EvaluationRow[] {
  const rows = db
    .prepare(`SELECT * FROM evaluations WHERE (? IS NULL OR task = ?) ORDER BY id`)
    .all(task, task) as EvaluationDbRow[];
  return rows.map((row) => toRow(row, parseMetrics(row)));
}

export function getEvaluationMetrics(db: Database.Database, id: number): MetricsDocument {
  const row = db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as EvaluationDbRow | undefined;
  if (!row) throw new UserError('INVALID_INPUT', `The project has no evaluation ${id}.`);
  return parseMetrics(row);
}

export function getEvaluationRow(db: Database.Database, id: number): EvaluationRow {
  const row = db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as EvaluationDbRow | undefined;
  if (!row) throw new UserError('INVALID_INPUT', `The project has no evaluation ${id}.`);
  return toRow(row, parseMetrics(row));
}

/** One page of an evaluation's predictions, ordered by study, and how many there are in all. */
export function listPredictions(
  db: Database.Database,
  evaluationId: number,
  limit: number,
  offset: number,
): { total: number; predictions: PredictionRow[] } {
  const { n } = db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE evaluation_id = ?').get(evaluationId) as {
    n: number;
  };
  const rows = db
    .prepare(
      `SELECT p.study_id, s.study_uid, p.class, p.label, p.score, p.pred FROM predictions p
       JOIN studies s ON s.id = p.study_id WHERE p.evaluation_id = ? ORDER BY p.study_id, p.rowid LIMIT ? OFFSET ?`,
    )
    .all(evaluationId, limit, offset) as Array<{
    study_id: number;
    study_uid: string;
    class: string;
    label: 0 | 1 | null;
    score: number;
    pred: 0 | 1;
  }>;
  return {
    total: n,
    predictions: rows.map((row) => ({
      studyId: row.study_id,
      studyUid: row.study_uid,
      className: row.class,
      label: row.label,
      score: row.score,
      pred: row.pred,
    })),
  };
}

function parseMetrics(row: EvaluationDbRow): MetricsDocument {
  const parsed = MetricsDocumentSchema.safeParse(JSON.parse(row.metrics_json));
  if (!parsed.success) {
    throw new UserError(
      'PROJECT_CORRUPT',
      `Evaluation ${row.id}'s recorded metrics are not readable by this version; run the evaluation again.`,
    );
  }
  return parsed.data;
}

function toRow(row: EvaluationDbRow, metrics: MetricsDocument): EvaluationRow {
  return {
    id: row.id,
    task: row.task,
    model: { kind: metrics.model.kind, label: metrics.model.label },
    split: metrics.split,
    datasetId: row.dataset_id,
    studies: row.study_count,
    createdAt: row.created_at,
    outputDir: row.output_dir,
    headline: metrics.headline,
  };
}
