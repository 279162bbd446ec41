/**
 * The rule-based extractor: the offline fallback when no Ollama is at hand, and the baseline
 * the LLM is compared with. Sections come from their headers (section-headers.ts); a report
 * without headers is all findings. Organ-level text comes from organ labels at the start of
 * a line ("LIVER: ...") or, sentence by sentence, from organ keywords. Everything it returns
 * is cut from the report, so it is grounded by construction.
 */
import type { OrganSystem } from '../../../shared/organ-systems';
import { organSystemsOf } from './organ-keywords';
import { sectionHeaderOf, type HeaderKind } from './section-headers';
import { splitSentences } from './sentences';
import { emptySections, type StructuredReport } from './structured-report';

export const RULES_VERSION = 'rules-v1';

export function extractWithRules(report: string): StructuredReport {
  const lines = new Map<HeaderKind, string[]>();
  let current: HeaderKind | null = null;
  let sawHeader = false;
  for (const line of report.split(/\r?\n/)) {
    const header = sectionHeaderOf(line);
    if (header) {
      current = header.kind;
      sawHeader = true;
      if (header.rest.trim()) push(lines, current, header.rest.trim());
      continue;
    }
    if (!line.trim()) continue;
    push(lines, current ?? 'findings', line.trim());
  }
  const sections = emptySections();
  if (!sawHeader) sections.findings = report.trim();
  else
    for (const kind of ['clinical_information', 'findings', 'impression'] as const)
      sections[kind] = (lines.get(kind) ?? []).join('\n');
  return { sections, anatomy: decompose([sections.findings, sections.impression].filter(Boolean).join('\n')) };
}

/**
 * Organ system -> sentences. A sentence goes under the organ systems it names; one that names
 * none ("No focal lesion.") goes under the line's organ label ("LIVER: ...") or, failing that,
 * under the organs of the sentence before it on the same line.
 */
export function decompose(text: string): StructuredReport['anatomy'] {
  const anatomy: Partial<Record<OrganSystem, string[]>> = {};
  for (const line of text.split('\n')) {
    const label = /^\s*(?:\d{1,2}[.)]\s*|[-•*]\s*)?([A-Za-z][A-Za-z ,/&]{1,40}):\s+(.*)$/.exec(line);
    let context = label ? organSystemsOf(label[1]!) : [];
    for (const sentence of splitSentences(label ? label[2]! : line)) {
      const named = organSystemsOf(sentence);
      const organs = named.length > 0 ? named : context;
      context = organs;
      for (const organ of organs) {
        const sentences = (anatomy[organ] ??= []);
        if (!sentences.includes(sentence)) sentences.push(sentence);
      }
    }
  }
  return anatomy;
}

function push(lines: Map<HeaderKind, string[]>, kind: HeaderKind, line: string): void {
  const list = lines.get(kind) ?? [];
  list.push(line);
  lines.set(kind, list);
}
