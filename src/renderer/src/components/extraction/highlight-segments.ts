/**
 * Splits a report into plain and highlighted segments from the spans where extracted sentences
 * were found. Overlapping spans are cut at every boundary; a piece covered by several sentences
 * is one highlight, coloured by the first report section (not organ) that covers it.
 */
import type { ExtractedSentence } from '@shared/api/extraction-schemas';
import { sectionFamily } from './format';

export interface ReportSegment {
  text: string;
  /** null: not part of any highlighted sentence. */
  family: string | null;
  sentenceIds: number[];
  start: number;
}

interface Span {
  start: number;
  end: number;
  id: number;
  family: string;
}

/** Grounded, not rejected sentences with a span inside the report. */
function spansOf(report: string, sentences: readonly ExtractedSentence[]): Span[] {
  const spans: Span[] = [];
  for (const sentence of sentences) {
    if (sentence.start === null || sentence.end === null || sentence.review === 'rejected') continue;
    const start = Math.max(0, Math.min(report.length, sentence.start));
    const end = Math.max(start, Math.min(report.length, sentence.end));
    if (end > start) spans.push({ start, end, id: sentence.id, family: sectionFamily(sentence.section) });
  }
  return spans;
}

export function highlightSegments(report: string, sentences: readonly ExtractedSentence[]): ReportSegment[] {
  const spans = spansOf(report, sentences);
  const cuts = [...new Set([0, report.length, ...spans.flatMap((span) => [span.start, span.end])])].sort(
    (a, b) => a - b,
  );
  const segments: ReportSegment[] = [];
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    const start = cuts[i] ?? 0;
    const end = cuts[i + 1] ?? start;
    if (end <= start) continue;
    const covering = spans.filter((span) => span.start <= start && span.end >= end);
    const family = covering.find((span) => span.family !== 'anatomy')?.family ?? covering[0]?.family ?? null;
    const previous = segments[segments.length - 1];
    const ids = covering.map((span) => span.id);
    if (previous && previous.family === family && sameIds(previous.sentenceIds, ids)) {
      previous.text += report.slice(start, end);
      continue;
    }
    segments.push({ text: report.slice(start, end), family, sentenceIds: ids, start });
  }
  return segments;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}
