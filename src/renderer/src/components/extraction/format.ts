/** Labels and small helpers shared by the report-extraction components. */
import type { ExtractedSentence } from '@shared/api/extraction-schemas';
import { ORGAN_SYSTEMS, organLabel } from '@shared/organ-systems';

export const SECTION_LABELS: Record<string, string> = {
  clinical_information: 'Clinical information',
  findings: 'Findings',
  impression: 'Impression',
};

/** The three report sections, always shown (so an empty one can still be written). */
export const MAIN_SECTIONS = ['clinical_information', 'findings', 'impression'] as const;

const ANATOMY_PREFIX = 'anatomy:';

/** "Findings", or an organ system's label for 'anatomy:<key>'. */
export function sectionLabel(section: string): string {
  if (section.startsWith(ANATOMY_PREFIX)) return organLabel(section.slice(ANATOMY_PREFIX.length));
  return SECTION_LABELS[section] ?? section;
}

/** The colour family of a section's highlights: its own name, or 'anatomy' for any organ. */
export function sectionFamily(section: string): string {
  return section.startsWith(ANATOMY_PREFIX) ? 'anatomy' : section;
}

/** The organ-level sections present in a report, in the organ systems' order. */
export function anatomySectionsOf(sentences: readonly ExtractedSentence[]): string[] {
  const present = new Set(sentences.map((sentence) => sentence.section));
  return ORGAN_SYSTEMS.map((organ) => `${ANATOMY_PREFIX}${organ.key}`).filter((section) => present.has(section));
}

/** "4.9 GiB", "812 MiB", "12 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit] ?? 'B'}`;
}

/** A fraction as "0.87"; null as "—". */
export function formatFraction(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

/** Ollama names an untagged model "<name>:latest". */
export function withTag(model: string): string {
  return model.includes(':') ? model : `${model}:latest`;
}

/** What a sentence's chip says about it, and the chip's style. */
export function sentenceState(sentence: ExtractedSentence): { label: string; tone: 'ok' | 'warn' | 'bad' | 'plain' } {
  if (sentence.review === 'rejected') return { label: 'rejected', tone: 'bad' };
  if (sentence.edited) return { label: 'edited', tone: 'ok' };
  if (sentence.review === 'accepted')
    return { label: sentence.grounded ? 'accepted' : 'accepted (not in report)', tone: 'ok' };
  return sentence.grounded ? { label: 'grounded', tone: 'plain' } : { label: 'NOT FOUND IN REPORT', tone: 'warn' };
}
