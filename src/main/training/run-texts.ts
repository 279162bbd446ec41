/**
 * The text each training volume is paired with: the full report; its Findings and Impression;
 * its anatomy (organ-level) text; or, as HCC-Merlin trains, the full report on even steps and the
 * anatomy text on odd ones. Sections come from report extraction (extracted_sections), and only
 * sentences that are grounded in the source report or that a person accepted are used: an LLM's
 * invented text never reaches training silently.
 */
import type Database from 'better-sqlite3';
import type { RunText } from '../../shared/api/run-schemas';
import { UserError } from '../../shared/errors';
import { organLabel } from '../../shared/organ-systems';

export interface StudyTexts {
  full: string;
  findingsImpression: string | null;
  anatomy: string | null;
}

export function studyTexts(
  db: Database.Database,
  studies: ReadonlyArray<{ id: number; studyUid: string; report: string | null }>,
  mode: RunText,
): StudyTexts[] {
  const needsSections = mode !== 'full';
  const sections = needsSections ? usableSections(db) : new Map<number, Map<string, string>>();
  const texts = studies.map((study) => {
    const own = sections.get(study.id);
    const findings = [own?.get('findings'), own?.get('impression')].filter((text): text is string => !!text?.trim());
    const anatomy = [...(own ?? new Map<string, string>())]
      .filter(([section]) => section.startsWith('anatomy:'))
      .map(([section, text]) => `${organLabel(section.slice('anatomy:'.length))}: ${text}`);
    return {
      full: study.report?.trim() ?? '',
      findingsImpression: findings.length > 0 ? findings.join('\n') : null,
      anatomy: anatomy.length > 0 ? anatomy.join('\n') : null,
    };
  });
  const missing = studies.filter((_, i) => {
    const text = texts[i]!;
    if (mode === 'findings-impression') return !text.findingsImpression;
    if (mode === 'anatomy' || mode === 'alternate') return !text.anatomy || !text.full;
    return !text.full;
  });
  if (missing.length > 0) {
    const what =
      mode === 'full'
        ? 'no report text'
        : mode === 'findings-impression'
          ? 'no extracted Findings or Impression (grounded or accepted)'
          : 'no extracted anatomy text (grounded or accepted)';
    throw new UserError(
      'RUN_CONFIG_INVALID',
      `${missing.length} of ${studies.length} training studies have ${what}, e.g. ${missing
        .slice(0, 3)
        .map((study) => study.studyUid)
        .join(
          ', ',
        )}.${mode === 'full' ? ' Import reports with the manifest.' : ' Run `ctvlm extract` and review its output first, or train on the full report (--text full).'}`,
    );
  }
  return texts;
}

/** The text for a study at an optimizer step. */
export function textAt(texts: StudyTexts, mode: RunText, step: number): string {
  if (mode === 'findings-impression') return texts.findingsImpression ?? texts.full;
  if (mode === 'anatomy') return texts.anatomy ?? texts.full;
  if (mode === 'alternate') return step % 2 === 1 ? (texts.anatomy ?? texts.full) : texts.full;
  return texts.full;
}

/** study id -> section -> text: the current extraction's grounded or accepted, never rejected, sentences. */
function usableSections(db: Database.Database): Map<number, Map<string, string>> {
  const rows = db
    .prepare(
      `SELECT r.study_id, e.section, e.text FROM extracted_sections e JOIN reports r ON r.id = e.report_id
       LEFT JOIN extractions x ON x.id = e.extraction_id
       WHERE (e.extraction_id IS NULL OR x.active = 1)
         AND e.review != 'rejected' AND (e.grounded = 1 OR e.review = 'accepted') ORDER BY e.id`,
    )
    .all() as Array<{ study_id: number; section: string; text: string }>;
  const out = new Map<number, Map<string, string>>();
  for (const row of rows) {
    const own = out.get(row.study_id) ?? new Map<string, string>();
    const previous = own.get(row.section);
    own.set(row.section, previous ? `${previous} ${row.text}` : row.text);
    out.set(row.study_id, own);
  }
  return out;
}
