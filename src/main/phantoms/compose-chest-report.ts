/** Chooses what a chest report says, from the plan and a reporting style's phrasebook. */
import type { SeededRandom } from '../../shared/seeded-random';
import type { ChestPhrasebook } from './chest-phrasebook';
import { FindingsComposer, type ReportContent, type Verbosity } from './report-text';
import { type ChestStudyPlan, findingOf } from './study-plan';

const ORGAN_ORDER = [
  'Lungs',
  'Pleura',
  'Heart',
  'Pericardium',
  'Mediastinum',
  'Aorta',
  'Airways',
  'Oesophagus',
  'Upper abdomen',
  'Bones',
];

export function composeChestReport(
  plan: ChestStudyPlan,
  random: SeededRandom,
  book: ChestPhrasebook,
  verbosity: Verbosity,
): ReportContent {
  const composer = new FindingsComposer(random);
  const { pick } = composer;
  const chance = (p: number): boolean => composer.chance(p);
  const say = (organ: string, text: string): void => composer.say(organ, text);
  const nodule = findingOf(plan, 'lung_nodule');
  const effusion = findingOf(plan, 'pleural_effusion');
  const cardiomegaly = findingOf(plan, 'cardiomegaly');
  const emphysema = findingOf(plan, 'emphysema');

  if (emphysema) say('Lungs', pick(book.emphysema)(emphysema, pick));
  else if (chance(verbosity.negateAbsent)) say('Lungs', pick(book.noEmphysema));
  if (nodule) say('Lungs', pick(book.nodule)(nodule, pick));
  else if (chance(Math.max(verbosity.negateAbsent, 0.9))) say('Lungs', pick(book.noNodule));
  if (effusion) say('Pleura', pick(book.effusion)(effusion, pick));
  else if (chance(verbosity.negateAbsent)) say('Pleura', pick(book.noEffusion));
  if (cardiomegaly) say('Heart', pick(book.cardiomegaly)(cardiomegaly, pick));
  else if (chance(verbosity.negateAbsent)) say('Heart', pick(book.noCardiomegaly));
  composer.mentionOthers(book.otherStructures, verbosity.mentionOtherOrgan);
  const statements = composer.sortedBy(ORGAN_ORDER);

  const impression: string[] = [];
  if (nodule) impression.push(pick(book.impression.nodule)(nodule, pick));
  if (effusion) impression.push(pick(book.impression.effusion)(effusion, pick));
  if (cardiomegaly) impression.push(pick(book.impression.cardiomegaly)(cardiomegaly, pick));
  if (emphysema) impression.push(pick(book.impression.emphysema)(emphysema, pick));
  if (impression.length === 0) impression.push(pick(book.impression.normal));

  const sex = plan.patient.sex === 'male' ? 'man' : 'woman';
  return {
    indication: pick(book.indications)(`${plan.patient.ageYears}-year-old ${sex}`),
    technique: pick(book.techniques),
    findings: statements,
    impression,
  };
}
