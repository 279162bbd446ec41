/** Chooses what an abdominal report says, from the plan and a reporting style's phrasebook. */
import type { SeededRandom } from '../../shared/seeded-random';
import type { AbdomenPhrasebook, MeasuredHu } from './abdomen-phrasebook';
import { FindingsComposer, type ReportContent, type Verbosity } from './report-text';
import { type AbdomenStudyPlan, findingOf } from './study-plan';

const ORGAN_ORDER = [
  'Liver',
  'Gallbladder',
  'Spleen',
  'Pancreas',
  'Adrenals',
  'Kidneys',
  'Bowel',
  'Peritoneum',
  'Vessels',
  'Lymph nodes',
  'Lung bases',
  'Bones',
];

export function composeAbdomenReport(
  plan: AbdomenStudyPlan,
  random: SeededRandom,
  book: AbdomenPhrasebook,
  verbosity: Verbosity,
): ReportContent {
  const composer = new FindingsComposer(random);
  const { pick } = composer;
  const chance = (p: number): boolean => composer.chance(p);
  const say = (organ: string, text: string): void => composer.say(organ, text);
  const steatosis = findingOf(plan, 'steatosis');
  const mass = findingOf(plan, 'liver_mass');
  const cyst = findingOf(plan, 'liver_cyst');
  const splenomegaly = findingOf(plan, 'splenomegaly');
  const ascites = findingOf(plan, 'ascites');
  const offset = plan.acquisition.huOffset;
  const measured: MeasuredHu = {
    liver: Math.round((steatosis?.liverHu ?? plan.anatomy.hu.liver) + offset),
    spleen: Math.round(plan.anatomy.hu.spleen + offset),
  };

  if (steatosis) say('Liver', pick(book.steatosis)(steatosis, measured, pick));
  else if (chance(0.6)) say('Liver', pick(book.liverNormal));
  else if (chance(verbosity.negateAbsent * 0.5)) say('Liver', pick(book.noSteatosis));
  if (mass) say('Liver', pick(book.mass)(mass, measured, pick));
  else if (chance(Math.max(verbosity.negateAbsent, 0.9))) say('Liver', pick(cyst ? book.noMassButCyst : book.noMass));
  if (cyst) say('Liver', pick(cyst.diameterCm < 2 && chance(0.6) ? book.smallCyst : book.cyst)(cyst, measured, pick));
  else if (chance(verbosity.negateAbsent * 0.3)) say('Liver', pick(book.noCyst));
  if (splenomegaly) say('Spleen', pick(book.splenomegaly)(splenomegaly, measured, pick));
  else if (chance(verbosity.negateAbsent)) say('Spleen', pick(book.normalSpleen)(plan.anatomy.spleenLengthCm));
  if (ascites) say('Peritoneum', pick(book.ascites)(ascites, measured, pick));
  else if (chance(verbosity.negateAbsent)) say('Peritoneum', pick(book.noAscites));
  composer.mentionOthers(book.otherOrgans, verbosity.mentionOtherOrgan);
  const statements = composer.sortedBy(ORGAN_ORDER);

  const impression: string[] = [];
  if (mass) impression.push(pick(book.impression.mass)(mass, measured, pick));
  if (ascites) impression.push(pick(book.impression.ascites)(ascites, measured, pick));
  if (splenomegaly) impression.push(pick(book.impression.splenomegaly)(splenomegaly, measured, pick));
  if (steatosis) impression.push(pick(book.impression.steatosis)(steatosis, measured, pick));
  if (cyst && chance(0.5)) impression.push(pick(book.impression.cyst)(cyst, measured, pick));
  if (!mass && chance(0.5)) impression.push(pick(book.impression.noMass));
  if (impression.length === 0) impression.push(pick(book.impression.normal));

  const sex = plan.patient.sex === 'male' ? 'man' : 'woman';
  return {
    indication: pick(book.indications)(`${plan.patient.ageYears}-year-old ${sex}`),
    technique: pick(book.techniques),
    findings: statements,
    impression,
  };
}
