/** Training runs, their epochs and checkpoints, and sweeps, in the project database. */
import type Database from 'better-sqlite3';
import {
  EpochRecordSchema,
  RunConfigSchema,
  type EpochRecord,
  type RunConfig,
  type RunDetail,
  type RunSummary,
} from '../../../shared/api/run-schemas';
import { UserError } from '../../../shared/errors';

interface RunRow {
  id: number;
  name: string;
  method: string;
  config_json: string;
  status: RunSummary['status'];
  error_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  sweep_id: number | null;
  trainable_params: number | null;
  total_params: number | null;
  peak_tensor_bytes: number | null;
  test_evaluation_id: number | null;
}

const now = (): string => new Date().toISOString();

/** A unique run name from `wanted` ("peft-t1", then "peft-t1-2", …). */
export function uniqueRunName(db: Database.Database, wanted: string): string {
  const taken = new Set((db.prepare('SELECT name FROM runs').all() as Array<{ name: string }>).map((row) => row.name));
  if (!taken.has(wanted)) return wanted;
  for (let n = 2; ; n += 1) if (!taken.has(`${wanted}-${n}`)) return `${wanted}-${n}`;
}

export function insertRun(
  db: Database.Database,
  run: {
    name: string;
    config: RunConfig;
    sweepId: number | null;
    trainableParameters: number;
    totalParameters: number;
  },
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO runs (name, method, config_json, status, created_at, started_at, sweep_id, trainable_params, total_params)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
      )
      .run(
        run.name,
        run.config.method,
        JSON.stringify(run.config),
        now(),
        now(),
        run.sweepId,
        run.trainableParameters,
        run.totalParameters,
      ).lastInsertRowid,
  );
}

export function markRunRunning(db: Database.Database, runId: number): void {
  db.prepare(`UPDATE runs SET status = 'running', error_json = NULL, finished_at = NULL WHERE id = ?`).run(runId);
}

export function finishRun(
  db: Database.Database,
  runId: number,
  status: 'succeeded' | 'failed' | 'cancelled',
  error: { code: string; message: string } | null = null,
): void {
  db.prepare('UPDATE runs SET status = ?, error_json = ?, finished_at = ? WHERE id = ?').run(
    status,
    error ? JSON.stringify(error) : null,
    now(),
    runId,
  );
}

/** Runs left 'running' by a process that died (killed, crashed): failed, and resumable. */
export function markOrphanedRunsFailed(db: Database.Database): number {
  return db
    .prepare(
      `UPDATE runs SET status = 'failed', error_json = ?, finished_at = ? WHERE status IN ('running', 'created')`,
    )
    .run(
      JSON.stringify({
        code: 'WORKER_CRASHED',
        message: 'The process running it stopped (killed or crashed); resume it from its last checkpoint.',
      }),
      now(),
    ).changes;
}

export function setRunTestEvaluation(db: Database.Database, runId: number, evaluationId: number): void {
  db.prepare('UPDATE runs SET test_evaluation_id = ? WHERE id = ?').run(evaluationId, runId);
  db.prepare('UPDATE evaluations SET run_id = ? WHERE id = ?').run(runId, evaluationId);
}

/**
 * Records an epoch (replacing a record of the same epoch left by a killed attempt), its peak GPU
 * bytes in their own column (null on a backend without GPU memory) and the run's peak memory.
 */
export function recordEpoch(db: Database.Database, runId: number, record: EpochRecord): void {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO run_epochs (run_id, epoch, metrics_json, created_at, peak_gpu_bytes) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id, epoch) DO UPDATE SET metrics_json = excluded.metrics_json, created_at = excluded.created_at,
         peak_gpu_bytes = excluded.peak_gpu_bytes`,
    ).run(
      runId,
      record.epoch,
      JSON.stringify(record),
      now(),
      record.peakGpuBytes === null ? null : Math.round(record.peakGpuBytes),
    );
    db.prepare('UPDATE runs SET peak_tensor_bytes = MAX(COALESCE(peak_tensor_bytes, 0), ?) WHERE id = ?').run(
      Math.round(record.peakTensorBytes),
      runId,
    );
  })();
}

/** Forget epochs after `epoch` (a resumed run redoes them). */
export function dropEpochsAfter(db: Database.Database, runId: number, epoch: number): void {
  db.prepare('DELETE FROM run_epochs WHERE run_id = ? AND epoch > ?').run(runId, epoch);
}

export function recordCheckpoint(
  db: Database.Database,
  checkpoint: { runId: number; tag: 'last' | 'best'; epoch: number; path: string; sha256: string; sizeBytes: number },
): void {
  db.prepare(
    `INSERT INTO checkpoints (run_id, epoch, tag, path, sha256, size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, tag) DO UPDATE SET epoch = excluded.epoch, path = excluded.path, sha256 = excluded.sha256,
       size_bytes = excluded.size_bytes, created_at = excluded.created_at`,
  ).run(
    checkpoint.runId,
    checkpoint.epoch,
    checkpoint.tag,
    checkpoint.path,
    checkpoint.sha256,
    checkpoint.sizeBytes,
    now(),
  );
}

export function findRun(db: Database.Database, run: string | number): RunSummary | null {
  const row = (
    typeof run === 'number' || /^\d+$/.test(run)
      ? db.prepare('SELECT * FROM runs WHERE id = ?').get(Number(run))
      : db.prepare('SELECT * FROM runs WHERE name = ? ORDER BY id DESC LIMIT 1').get(run)
  ) as RunRow | undefined;
  return row ? toSummary(db, row) : null;
}

export function requireRun(db: Database.Database, run: string | number): RunSummary {
  const found = findRun(db, run);
  if (!found)
    throw new UserError('INVALID_INPUT', `The project has no training run "${run}"; list them with \`ctvlm runs\`.`);
  return found;
}

export function listRuns(db: Database.Database, sweepId: number | null = null): RunSummary[] {
  const rows = db
    .prepare('SELECT * FROM runs WHERE (? IS NULL OR sweep_id = ?) ORDER BY id')
    .all(sweepId, sweepId) as RunRow[];
  return rows.map((row) => toSummary(db, row));
}

export function runDetail(db: Database.Database, run: string | number): RunDetail {
  const summary = requireRun(db, run);
  return {
    ...summary,
    epochs: runEpochs(db, summary.id),
    checkpoints: (
      db
        .prepare('SELECT tag, epoch, path, size_bytes FROM checkpoints WHERE run_id = ? ORDER BY tag')
        .all(summary.id) as Array<{ tag: string; epoch: number; path: string; size_bytes: number }>
    ).map((row) => ({ tag: row.tag, epoch: row.epoch, path: row.path, sizeBytes: row.size_bytes })),
  };
}

export function runEpochs(db: Database.Database, runId: number): EpochRecord[] {
  return (
    db
      .prepare('SELECT metrics_json, peak_gpu_bytes FROM run_epochs WHERE run_id = ? ORDER BY epoch')
      .all(runId) as Array<{ metrics_json: string; peak_gpu_bytes: number | null }>
  ).map((row) => ({
    ...EpochRecordSchema.parse(JSON.parse(row.metrics_json)),
    peakGpuBytes: row.peak_gpu_bytes,
  }));
}

export function insertSweep(db: Database.Database, sweep: { name: string; config: unknown }): number {
  return Number(
    db
      .prepare(`INSERT INTO sweeps (name, config_json, status, created_at) VALUES (?, ?, 'running', ?)`)
      .run(sweep.name, JSON.stringify(sweep.config), now()).lastInsertRowid,
  );
}

export function finishSweep(
  db: Database.Database,
  sweepId: number,
  status: 'succeeded' | 'failed' | 'cancelled',
): void {
  db.prepare('UPDATE sweeps SET status = ?, finished_at = ? WHERE id = ?').run(status, now(), sweepId);
}

function toSummary(db: Database.Database, row: RunRow): RunSummary {
  const epochs = runEpochs(db, row.id);
  const best = [...epochs].reverse().find((epoch) => epoch.best) ?? null;
  return {
    id: row.id,
    name: row.name,
    method: RunConfigSchema.shape.method.parse(row.method),
    status: row.status,
    config: RunConfigSchema.parse(JSON.parse(row.config_json)),
    trainableParameters: row.trainable_params,
    totalParameters: row.total_params,
    epochsDone: epochs.length,
    bestEpoch: best?.epoch ?? null,
    bestValF1: best?.valF1 ?? null,
    peakTensorBytes: row.peak_tensor_bytes,
    error: row.error_json ? (JSON.parse(row.error_json) as { code: string; message: string }) : null,
    sweepId: row.sweep_id,
    testEvaluationId: row.test_evaluation_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
