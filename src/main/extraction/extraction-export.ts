/**
 * Each report's current extraction as JSON Lines: study id, engine, model, prompt version,
 * the three sections, organ-level text, and the sentences not found in the source that no one
 * has accepted (`ungrounded`). Rejected sentences are left out. Written whole, then renamed.
 */
import type Database from 'better-sqlite3';
import { REPORT_SECTIONS, type ExtractionJsonlRecord } from '../../shared/api/extraction-schemas';
import { UserError } from '../../shared/errors';
import { isOrganSystem } from '../../shared/organ-systems';
import { writeFileAtomic } from '../fs/atomic-write';
import { currentExtractions } from '../store/repositories/extraction-repository';

export function extractionRecords(db: Database.Database): ExtractionJsonlRecord[] {
  return currentExtractions(db).map((extraction) => {
    const kept = extraction.sentences.filter((sentence) => sentence.review !== 'rejected');
    const joined = (section: string): string =>
      kept
        .filter((sentence) => sentence.section === section)
        .map((sentence) => sentence.text)
        .join(' ');
    const anatomy: ExtractionJsonlRecord['anatomy'] = {};
    for (const section of new Set(kept.map((sentence) => sentence.section))) {
      const organ = section.startsWith('anatomy:') ? section.slice('anatomy:'.length) : '';
      if (isOrganSystem(organ)) anatomy[organ] = joined(section);
    }
    return {
      study_id: extraction.studyUid,
      engine: extraction.engine,
      model: extraction.model || null,
      prompt_version: extraction.promptVersion,
      sections: Object.fromEntries(
        REPORT_SECTIONS.map((section) => [section, joined(section)]),
      ) as ExtractionJsonlRecord['sections'],
      anatomy,
      ungrounded: kept.filter((sentence) => !sentence.grounded && sentence.review !== 'accepted').map((s) => s.text),
    };
  });
}

export function writeExtractionJsonl(db: Database.Database, file: string): number {
  if (!/\.jsonl$/i.test(file)) {
    throw new UserError(
      'INVALID_INPUT',
      `The output ${file} must end in .jsonl: one JSON object is written per report.`,
    );
  }
  const records = extractionRecords(db);
  writeFileAtomic(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  return records.length;
}
