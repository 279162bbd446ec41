import type { Migration } from '../migrate';

/**
 * The first project schema. Tensors never live here: checkpoints and adapters are files
 * in the project folder; these tables keep their path, sha256 and size.
 */
export const migration001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE project_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        study_uid TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
        image_path TEXT NOT NULL,
        image_sha256 TEXT,
        labels_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        UNIQUE (dataset_id, study_uid)
      );
      CREATE INDEX studies_dataset ON studies(dataset_id);

      CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL UNIQUE REFERENCES studies(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        sha256 TEXT NOT NULL
      );

      CREATE TABLE extracted_sections (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        engine TEXT NOT NULL,
        model TEXT,
        prompt_version TEXT,
        section TEXT NOT NULL,
        text TEXT NOT NULL,
        grounded INTEGER NOT NULL CHECK (grounded IN (0, 1)),
        review TEXT NOT NULL DEFAULT 'pending' CHECK (review IN ('pending', 'accepted', 'rejected')),
        created_at TEXT NOT NULL
      );
      CREATE INDEX extracted_sections_report ON extracted_sections(report_id);

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        method TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('created', 'running', 'succeeded', 'failed', 'cancelled')),
        error_json TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );

      CREATE TABLE run_epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        metrics_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch)
      );

      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        tag TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (run_id, tag)
      );

      CREATE TABLE adapters (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        name TEXT NOT NULL UNIQUE,
        base_model TEXT NOT NULL,
        base_model_sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        trainable_params INTEGER NOT NULL,
        config_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        adapter_id INTEGER REFERENCES adapters(id) ON DELETE SET NULL,
        task TEXT NOT NULL,
        metrics_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      CREATE TABLE predictions (
        evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        class TEXT NOT NULL,
        label INTEGER,
        score REAL NOT NULL,
        pred INTEGER NOT NULL,
        PRIMARY KEY (evaluation_id, study_id, class)
      );
    `);
  },
};
