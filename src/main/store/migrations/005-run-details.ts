import type { Migration } from '../migrate';

/**
 * Training runs remember their size (trainable and total parameters), their sweep, and their
 * outcome (best epoch, peak memory); sweeps are a table of their own.
 */
export const migration005RunDetails: Migration = {
  version: 5,
  name: 'run-details',
  up(db) {
    db.exec(`
      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
      ALTER TABLE runs ADD COLUMN trainable_params INTEGER;
      ALTER TABLE runs ADD COLUMN total_params INTEGER;
      ALTER TABLE runs ADD COLUMN peak_tensor_bytes INTEGER;
      ALTER TABLE runs ADD COLUMN test_evaluation_id INTEGER REFERENCES evaluations(id) ON DELETE SET NULL;
    `);
  },
};
