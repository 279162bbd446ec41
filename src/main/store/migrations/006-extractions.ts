import type { Migration } from '../migrate';

/**
 * Report extraction: one row per (report, engine, model, prompt version, report hash), which is
 * the cache key; a report's current extraction is marked active (at most one). Extracted
 * sentences belong to an extraction and remember where they were found in the source and
 * whether a person edited them.
 */
export const migration006Extractions: Migration = {
  version: 6,
  name: 'extractions',
  up(db) {
    db.exec(`
      CREATE TABLE extractions (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        report_sha256 TEXT NOT NULL,
        engine TEXT NOT NULL CHECK (engine IN ('ollama', 'rules')),
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
        error_json TEXT,
        attempts INTEGER NOT NULL,
        answer_json TEXT,
        active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
        created_at TEXT NOT NULL,
        UNIQUE (report_id, engine, model, prompt_version, report_sha256)
      );
      CREATE UNIQUE INDEX extractions_active ON extractions(report_id) WHERE active = 1;
      ALTER TABLE extracted_sections ADD COLUMN extraction_id INTEGER REFERENCES extractions(id) ON DELETE CASCADE;
      ALTER TABLE extracted_sections ADD COLUMN start_offset INTEGER;
      ALTER TABLE extracted_sections ADD COLUMN end_offset INTEGER;
      ALTER TABLE extracted_sections ADD COLUMN edited INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1));
      CREATE INDEX extracted_sections_extraction ON extracted_sections(extraction_id);
    `);
  },
};
