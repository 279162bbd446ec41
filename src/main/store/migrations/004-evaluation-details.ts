import type { Migration } from '../migrate';

/**
 * Evaluations remember what was evaluated (the base model, an adapter or a run's checkpoint), on
 * which studies (dataset, split), with which weights (sha256), and where their files are.
 */
export const migration004EvaluationDetails: Migration = {
  version: 4,
  name: 'evaluation-details',
  up(db) {
    db.exec(`
      ALTER TABLE evaluations ADD COLUMN source TEXT NOT NULL DEFAULT 'base';
      ALTER TABLE evaluations ADD COLUMN source_label TEXT NOT NULL DEFAULT 'base';
      ALTER TABLE evaluations ADD COLUMN model_sha256 TEXT;
      ALTER TABLE evaluations ADD COLUMN dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL;
      ALTER TABLE evaluations ADD COLUMN split TEXT NOT NULL DEFAULT 'test';
      ALTER TABLE evaluations ADD COLUMN study_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE evaluations ADD COLUMN output_dir TEXT;
    `);
  },
};
