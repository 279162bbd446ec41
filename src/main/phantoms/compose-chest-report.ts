/** Chooses what a chest report says, from the plan and a reporting style's phrasebook. */
import type { SeededRandom } from '../../shared/seeded-random';
import type { ChestPhrasebook } from './chest-phrasebook';
import type { Pick, ReportContent, ReportStatement, Verbosity } from './report-text';
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
  const pick: Pick = (items) => random.pick(items);
  const chance = (p: number): boolean => random.next() < p;
  const nodule = findingOf(plan, 'lung_nodule');
  const effusion = findingOf(plan, 'pleural_effusion');
  const cardiomegaly = findingOf(plan, 'cardiomegaly');
  const emphysema = findingOf(plan, 'emphysema');

  const statements: ReportStatement[] = [];
  const say = (organ: string, text: string): void => {
    statements.push({ organ, text });
  };
  if (emphysema) say('Lungs', pick(book.emphysema)(emphysema, pick));
  else if (chance(verbosity.negateAbsent)) say('Lungs', pick(book.noEmphysema));
  if (nodule) say('Lungs', pick(book.nodule)(nodule, pick));
  else if (chance(Math.max(verbosity.negateAbsent, 0.9))) say('Lungs', pick(book.noNodule));
  if (effusion) say('Pleura', pick(book.effusion)(effusion, pick));
  else if (chance(verbosity.negateAbsent)) say('Pleura', pick(book.noEffusion));
  if (cardiomegaly) say('Heart', pick(book.cardiomegaly)(cardiomegaly, pick));
  else if (chance(verbosity.negateAbsent)) say('Heart', pick(book.noCardiomegaly));
  for (const other of book.otherStructures) {
    const covered =
      other.topic !== undefined && statements.some((s) => s.text.toLowerCase().includes(other.topic ?? ''));
    if (chance(verbosity.mentionOtherOrgan) && !covered) say(other.organ, pick(other.variants));
  }
  statements.sort((a, b) => ORGAN_ORDER.indexOf(a.organ) - ORGAN_ORDER.indexOf(b.organ));

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
