/**
 * Section headers as reports write them, with their common variants (American and British,
 * upper or mixed case). A header starts a line and ends with a colon, or stands alone on it.
 * Technique and comparison sections are recognised so their text is not taken for another
 * section, but they are not extracted.
 */
import type { ReportSection } from '../../../shared/api/extraction-schemas';

export type HeaderKind = ReportSection | 'technique';

const VARIANTS: Record<HeaderKind, readonly string[]> = {
  clinical_information: [
    'clinical information',
    'clinical details',
    'clinical history',
    'clinical indication',
    'clinical indications',
    'clinical query',
    'clinical question',
    'clinical data',
    'clinical notes',
    'clinical',
    'indication',
    'indications',
    'history',
    'reason for exam',
    'reason for examination',
    'reason for study',
    'reason for referral',
    'reason for request',
  ],
  technique: ['technique', 'protocol', 'procedure', 'comparison', 'comparisons', 'contrast', 'examination', 'exam'],
  findings: ['findings', 'finding', 'report', 'observations', 'description'],
  impression: [
    'impression',
    'impressions',
    'final impression',
    'conclusion',
    'conclusions',
    'summary',
    'opinion',
    'comment',
    'comments',
    'assessment',
    'diagnosis',
    'interpretation',
  ],
};

const LOOKUP = new Map<string, HeaderKind>(
  Object.entries(VARIANTS).flatMap(([kind, names]) => names.map((name) => [name, kind as HeaderKind] as const)),
);

/** "FINDINGS: The liver is normal." -> findings, with the rest of the line; null when the line starts no section. */
export function sectionHeaderOf(line: string): { kind: HeaderKind; rest: string; restOffset: number } | null {
  const match = /^(\s*)([A-Za-z][A-Za-z ]{1,40}?)\s*(?::|\s*$)/.exec(line);
  if (!match) return null;
  const kind = LOOKUP.get(match[2]!.toLowerCase().replace(/\s+/g, ' '));
  if (!kind) return null;
  const restOffset = match[0].length + (/^\s*/.exec(line.slice(match[0].length))?.[0].length ?? 0);
  return { kind, rest: line.slice(restOffset), restOffset };
}
