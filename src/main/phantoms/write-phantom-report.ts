/**
 * The free-text report of a planned study, in its scanner's reporting style. Every finding in
 * the plan is stated affirmatively (sizes and locations as drawn); absent findings are only ever
 * negated or left unmentioned; hedged wording appears only for findings that are present.
 * Deterministic: the same plan gives the same text.
 */
import { SeededRandom } from '../../shared/seeded-random';
import { AMERICAN_ABDOMEN } from './abdomen-phrases-american';
import { BRITISH_ABDOMEN } from './abdomen-phrases-british';
import { AMERICAN_CHEST } from './chest-phrases-american';
import { BRITISH_CHEST } from './chest-phrases-british';
import { composeAbdomenReport } from './compose-abdomen-report';
import { composeChestReport } from './compose-chest-report';
import { layoutReport } from './report-layout';
import type { ReportContent, Verbosity } from './report-text';
import { type ReportStyle, SCANNER_PROFILES } from './scanner-profiles';
import type { PhantomStudyPlan } from './study-plan';

/** Keeps the wording stream apart from the other uses of the study seed. */
const REPORT_STREAM = 0x7e9047;

const VERBOSITY: Record<ReportStyle, Verbosity> = {
  'american-structured': { negateAbsent: 0.85, mentionOtherOrgan: 0.7 },
  'british-terse': { negateAbsent: 0.55, mentionOtherOrgan: 0.4 },
};

export function writePhantomReport(plan: PhantomStudyPlan): string {
  return writePhantomReportWithContent(plan).text;
}

/** The report and what it says before layout (its findings by organ, its impression lines): the truth an extractor is measured against. */
export function writePhantomReportWithContent(plan: PhantomStudyPlan): { text: string; content: ReportContent } {
  const style = SCANNER_PROFILES[plan.scanner].reportStyle;
  const random = new SeededRandom((plan.seed ^ REPORT_STREAM) >>> 0);
  const british = style === 'british-terse';
  const content =
    plan.region === 'abdomen'
      ? composeAbdomenReport(plan, random, british ? BRITISH_ABDOMEN : AMERICAN_ABDOMEN, VERBOSITY[style])
      : composeChestReport(plan, random, british ? BRITISH_CHEST : AMERICAN_CHEST, VERBOSITY[style]);
  return { text: layoutReport(content, style, random), content };
}
