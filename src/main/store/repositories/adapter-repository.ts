/** The `adapters` table: where each adapter's files are, their hash and size, never the tensors. */
import type Database from 'better-sqlite3';
import { UserError } from '../../../shared/errors';

export interface AdapterRecord {
  id: number;
  runId: number | null;
  name: string;
  baseModel: string;
  baseModelSha256: string;
  /** Folder relative to the project folder (files/adapters/<name>). */
  path: string;
  /** sha256 of adapter_model.safetensors. */
  sha256: string;
  sizeBytes: number;
  trainableParams: number;
  configJson: string;
  createdAt: string;
  /** The project's active adapter: the default model where none is named (at most one). */
  active: boolean;
}

export type NewAdapterRecord = Omit<AdapterRecord, 'id' | 'createdAt' | 'active'>;

type StoredAdapter = Omit<AdapterRecord, 'active'> & { active: 0 | 1 };

const COLUMNS = `id, run_id AS runId, name, base_model AS baseModel, base_model_sha256 AS baseModelSha256, path,
  sha256, size_bytes AS sizeBytes, trainable_params AS trainableParams, config_json AS configJson,
  created_at AS createdAt, active`;

function toRecord(row: StoredAdapter): AdapterRecord {
  return { ...row, active: row.active === 1 };
}

export function listAdapterRecords(db: Database.Database): AdapterRecord[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM adapters ORDER BY id`).all() as StoredAdapter[]).map(toRecord);
}

export function findAdapterByName(db: Database.Database, name: string): AdapterRecord | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM adapters WHERE name = ?`).get(name) as StoredAdapter | undefined;
  return row ? toRecord(row) : null;
}

/** The project's active adapter, or null when the base model is the default. */
export function findActiveAdapter(db: Database.Database): AdapterRecord | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM adapters WHERE active = 1`).get() as StoredAdapter | undefined;
  return row ? toRecord(row) : null;
}

/** Make `id` the active adapter (null: none), in one transaction. */
export function setActiveAdapter(db: Database.Database, id: number | null): void {
  db.transaction(() => {
    db.prepare('UPDATE adapters SET active = 0 WHERE active = 1').run();
    if (id !== null) db.prepare('UPDATE adapters SET active = 1 WHERE id = ?').run(id);
  })();
}

/** The adapter with this id, or a PROJECT_NOT_FOUND-style refusal naming the project folder. */
export function getAdapterRecord(db: Database.Database, id: number, projectDir: string): AdapterRecord {
  const row = db.prepare(`SELECT ${COLUMNS} FROM adapters WHERE id = ?`).get(id) as StoredAdapter | undefined;
  if (!row) {
    throw new UserError(
      'INVALID_INPUT',
      `The project ${projectDir} has no adapter with id ${id}; list them with \`ctvlm adapter list\`.`,
    );
  }
  return toRecord(row);
}

export function insertAdapterRecord(db: Database.Database, record: NewAdapterRecord): AdapterRecord {
  const createdAt = new Date().toISOString();
  const result = db
    .prepare(
      `INSERT INTO adapters (run_id, name, base_model, base_model_sha256, path, sha256, size_bytes, trainable_params,
         config_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      record.runId,
      record.name,
      record.baseModel,
      record.baseModelSha256,
      record.path,
      record.sha256,
      record.sizeBytes,
      record.trainableParams,
      record.configJson,
      createdAt,
    );
  return { ...record, id: Number(result.lastInsertRowid), createdAt, active: false };
}

export function deleteAdapterRecord(db: Database.Database, id: number): void {
  db.prepare('DELETE FROM adapters WHERE id = ?').run(id);
}

/** Size of a checkpoint file the project knows by its sha256, or null. */
export function checkpointSizeBySha256(db: Database.Database, sha256: string): number | null {
  const row = db.prepare('SELECT size_bytes AS size FROM checkpoints WHERE sha256 = ? LIMIT 1').get(sha256) as
    { size: number } | undefined;
  return row?.size ?? null;
}
