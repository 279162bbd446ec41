/**
 * Lays report content out the way each institution writes it: which section headers (and
 * their case), which sections are sometimes left out, whether findings are prose or one line per
 * organ, numbered or bulleted impressions, and sometimes no headers at all.
 */
import type { SeededRandom } from '../../shared/seeded-random';
import type { ReportContent, ReportStatement } from './report-text';
import type { ReportStyle } from './scanner-profiles';

interface Headers {
  clinical: string;
  technique: string;
  findings: string;
  impression: string;
}

interface LayoutRules {
  headerSets: readonly Headers[];
  noHeaders: number;
  omitClinical: number;
  includeTechnique: number;
  omitImpression: number;
  organLines: number;
  listImpression: number;
  listMarker: (index: number) => string;
  /** Organ label of organ-per-line findings; `loud` is drawn once per report. */
  organLabel: (organ: string, loud: boolean) => string;
}

const RULES: Record<ReportStyle, LayoutRules> = {
  'american-structured': {
    headerSets: [
      { clinical: 'CLINICAL INFORMATION:', technique: 'TECHNIQUE:', findings: 'FINDINGS:', impression: 'IMPRESSION:' },
      { clinical: 'Indication:', technique: 'Technique:', findings: 'Findings:', impression: 'Impression:' },
      { clinical: 'HISTORY:', technique: 'TECHNIQUE:', findings: 'FINDINGS:', impression: 'CONCLUSION:' },
      { clinical: 'History:', technique: 'Technique:', findings: 'Findings:', impression: 'Summary:' },
    ],
    noHeaders: 0.1,
    omitClinical: 0.15,
    includeTechnique: 0.6,
    omitImpression: 0.1,
    organLines: 0.35,
    listImpression: 0.5,
    listMarker: (index) => `${index + 1}. `,
    organLabel: (organ, loud) => (loud ? `${organ.toUpperCase()}:` : `${organ}:`),
  },
  'british-terse': {
    headerSets: [
      { clinical: 'Clinical details:', technique: 'Protocol:', findings: 'Report:', impression: 'Opinion:' },
      { clinical: 'CLINICAL DETAILS:', technique: 'PROTOCOL:', findings: 'REPORT:', impression: 'COMMENT:' },
      { clinical: 'Clinical query:', technique: 'Protocol:', findings: 'Observations:', impression: 'Comment:' },
    ],
    noHeaders: 0.2,
    omitClinical: 0.3,
    includeTechnique: 0.3,
    omitImpression: 0.2,
    organLines: 0,
    listImpression: 0.3,
    listMarker: () => '- ',
    organLabel: (organ) => `${organ}:`,
  },
};

export function layoutReport(content: ReportContent, style: ReportStyle, random: SeededRandom): string {
  const rules = RULES[style];
  const chance = (p: number): boolean => random.next() < p;
  const headers = random.pick(rules.headerSets);
  const withHeaders = !chance(rules.noHeaders);
  const showClinical = withHeaders && !chance(rules.omitClinical);
  const showTechnique = chance(rules.includeTechnique);
  const showImpression = !chance(rules.omitImpression);
  const organLines = withHeaders && chance(rules.organLines);
  const findingsLines = style === 'british-terse' && chance(0.4);
  const loudLabels = chance(0.5);

  const findings = organLines
    ? groupByOrgan(content.findings)
        .map(([organ, texts]) => `${rules.organLabel(organ, loudLabels)} ${texts.join(' ')}`)
        .join('\n')
    : content.findings.map((s) => s.text).join(findingsLines ? '\n' : ' ');
  const listed = content.impression.length > 1 && chance(rules.listImpression);
  const impression = listed
    ? content.impression.map((line, i) => `${rules.listMarker(i)}${line}`).join('\n')
    : content.impression.join(' ');

  const sections: string[] = [];
  const section = (header: string, body: string): void => {
    if (!withHeaders) sections.push(body);
    else sections.push(body.includes('\n') ? `${header}\n${body}` : `${header} ${body}`);
  };
  if (showClinical) section(headers.clinical, content.indication);
  if (showTechnique) section(headers.technique, content.technique);
  section(headers.findings, findings);
  if (showImpression) section(headers.impression, impression);
  return `${sections.join('\n\n')}\n`;
}

function groupByOrgan(statements: readonly ReportStatement[]): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const s of statements) groups.set(s.organ, [...(groups.get(s.organ) ?? []), s.text]);
  return [...groups.entries()];
}
