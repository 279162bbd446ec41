/**
 * An extraction as the sentences that are stored and reviewed: each section and organ system
 * split into sentences, each grounded against the source report (where it was found, or
 * flagged as not found).
 */
import { REPORT_SECTIONS } from '../../../shared/api/extraction-schemas';
import { ORGAN_SYSTEMS } from '../../../shared/organ-systems';
import { groundSentence, tokenize } from './grounding';
import { splitSentences } from './sentences';
import type { StructuredReport } from './structured-report';

export interface SentenceDraft {
  /** 'clinical_information', 'findings', 'impression' or 'anatomy:<organ system>'. */
  section: string;
  text: string;
  grounded: boolean;
  start: number | null;
  end: number | null;
}

export function sentenceDrafts(report: string, structured: StructuredReport): SentenceDraft[] {
  const source = tokenize(report);
  const drafts: SentenceDraft[] = [];
  // Sections follow the report's order, so each sentence is looked for after the one before it.
  let cursor = 0;
  const add = (section: string, text: string, ordered: boolean): void => {
    for (const sentence of splitSentences(text)) {
      const grounding = groundSentence(sentence, report, source, ordered ? cursor : 0);
      if (ordered && grounding.end !== null) cursor = grounding.end;
      drafts.push({
        section,
        text: sentence,
        grounded: grounding.grounded,
        start: grounding.start,
        end: grounding.end,
      });
    }
  };
  for (const section of REPORT_SECTIONS) add(section, structured.sections[section], true);
  for (const organ of ORGAN_SYSTEMS) {
    for (const text of structured.anatomy[organ.key] ?? []) add(`anatomy:${organ.key}`, text, false);
  }
  return drafts;
}
