/**
 * How far the LLM's extraction agrees with the rule-based one, per dataset: for each section,
 * whether both find it present (or both absent), and the token F1 of their texts where either
 * found it; for the organ-level text, the Jaccard index of the organ systems each found.
 */
import { REPORT_SECTIONS, type AgreementRow } from '../../../shared/api/extraction-schemas';
import { tokenize } from './grounding';
import { extractWithRules } from './rule-extractor';
import type { StructuredReport } from './structured-report';

export interface ComparedReport {
  datasetId: number;
  datasetName: string;
  model: string;
  report: string;
  answer: StructuredReport;
}

export function extractionAgreement(reports: readonly ComparedReport[]): AgreementRow[] {
  const byDataset = new Map<number, ComparedReport[]>();
  for (const report of reports) {
    const group = byDataset.get(report.datasetId);
    if (group) group.push(report);
    else byDataset.set(report.datasetId, [report]);
  }
  return [...byDataset.values()].map((group) => {
    const first = group[0]!;
    const rules = group.map((report) => extractWithRules(report.report));
    const models = new Set(group.map((report) => report.model));
    const sections = Object.fromEntries(
      REPORT_SECTIONS.map((section) => {
        const pairs = group.map((report, i) => [report.answer.sections[section], rules[i]!.sections[section]] as const);
        const presence = mean(pairs.map(([a, b]) => (present(a) === present(b) ? 1 : 0)));
        const either = pairs.filter(([a, b]) => present(a) || present(b));
        return [section, { presence, tokenF1: mean(either.map(([a, b]) => tokenF1(a, b))) }];
      }),
    ) as AgreementRow['sections'];
    const jaccards = group
      .map((report, i) => jaccard(Object.keys(report.answer.anatomy), Object.keys(rules[i]!.anatomy)))
      .filter((value): value is number => value !== null);
    return {
      datasetId: first.datasetId,
      datasetName: first.datasetName,
      reports: group.length,
      model: models.size === 1 ? first.model : [...models].join(', '),
      sections,
      anatomyJaccard: mean(jaccards),
    };
  });
}

/** Harmonic mean of token precision and recall (bags of normalised words). */
export function tokenF1(a: string, b: string): number {
  const left = tokenize(a).map((token) => token.text);
  const right = tokenize(b).map((token) => token.text);
  if (left.length === 0 && right.length === 0) return 1;
  if (left.length === 0 || right.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const token of right) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of left) {
    const remaining = counts.get(token) ?? 0;
    if (remaining > 0) {
      common += 1;
      counts.set(token, remaining - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / left.length;
  const recall = common / right.length;
  return (2 * precision * recall) / (precision + recall);
}

function jaccard(a: readonly string[], b: readonly string[]): number | null {
  const union = new Set([...a, ...b]);
  if (union.size === 0) return null;
  const right = new Set(b);
  return a.filter((item) => right.has(item)).length / union.size;
}

function present(text: string): boolean {
  return text.trim().length > 0;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}
