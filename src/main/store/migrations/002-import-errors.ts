import type { Migration } from '../migrate';

/**
 * Imports record what went wrong per study (a corrupt file, a missing report) instead of
 * failing the whole dataset; datasets remember the manifest they came from.
 */
export const migration002ImportErrors: Migration = {
  version: 2,
  name: 'import-errors',
  up(db) {
    db.exec(`
      ALTER TABLE datasets ADD COLUMN manifest_path TEXT;

      CREATE TABLE import_errors (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        study_uid TEXT,
        source TEXT,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX import_errors_dataset ON import_errors(dataset_id);
    `);
  },
};
