/** The source institution's chest reporting style: American spelling, full sentences, lobes written out. */
import type { EmphysemaFinding, PleuralEffusionFinding } from './chest-plan-types';
import type { ChestPhrasebook } from './chest-phrasebook';
import { capitalise } from './report-text';

function side(f: PleuralEffusionFinding): string {
  return f.side === 'bilateral' ? 'bilateral' : f.side;
}

function effusionNoun(f: PleuralEffusionFinding): string {
  return f.side === 'bilateral' ? 'pleural effusions' : 'pleural effusion';
}

function emphysemaPattern(f: EmphysemaFinding): string {
  return f.distribution === 'upper'
    ? 'centrilobular emphysema, upper lobe predominant'
    : 'panlobular emphysema, diffuse';
}

const CONDITIONS = [
  'chronic cough',
  'shortness of breath',
  'dyspnea on exertion',
  'chest pain',
  'smoking history, lung cancer screening',
  'fever',
  'weight loss',
  'preoperative evaluation',
];

export const AMERICAN_CHEST: ChestPhrasebook = {
  indications: [
    ...CONDITIONS.map((c) => (patient: string) => `${patient} with ${c}.`),
    ...CONDITIONS.map((c) => () => `${capitalise(c)}.`),
  ],
  techniques: [
    'Non-contrast CT of the chest.',
    'Axial CT images of the chest were obtained without intravenous contrast.',
    'CT chest without contrast with multiplanar reformats.',
  ],
  nodule: [
    (f) => `A ${f.diameterMm} mm solid nodule is present in the ${f.lobe}.`,
    (f) => `There is a ${f.diameterMm} mm solid pulmonary nodule in the ${f.lobe}.`,
    (f) => `${capitalise(f.lobe)} solid nodule measuring ${f.diameterMm} mm.`,
    (f) => `A ${f.diameterMm} mm noncalcified nodule is seen in the ${f.lobe}.`,
    (f) =>
      f.diameterMm >= 15
        ? `A ${f.diameterMm} mm solid nodule with lobulated margins is seen in the ${f.lobe}.`
        : `Small ${f.diameterMm} mm solid nodule in the ${f.lobe}, possibly a granuloma.`,
  ],
  noNodule: [
    'No pulmonary nodules.',
    'No suspicious pulmonary nodule is identified.',
    'There is no evidence of pulmonary nodules.',
    'No pulmonary nodules are identified.',
  ],
  effusion: [
    (f) => `${capitalise(f.size)} ${side(f)} ${effusionNoun(f)}.`,
    (f) =>
      f.side === 'bilateral'
        ? `There are ${f.size} bilateral pleural effusions layering dependently.`
        : `There is a ${f.size} ${f.side} pleural effusion layering dependently.`,
    (f) => `${capitalise(f.size)} ${side(f)} dependent pleural fluid.`,
  ],
  noEffusion: [
    'No pleural effusion.',
    'Negative for pleural effusion.',
    'No pleural effusion or pneumothorax.',
    'There is no pleural fluid.',
  ],
  cardiomegaly: [
    () => 'The heart is enlarged.',
    (f) => `Cardiomegaly (cardiothoracic ratio approximately ${f.cardiothoracicRatio.toFixed(2)}).`,
    (f) => `Enlarged cardiac silhouette with a cardiothoracic ratio of ${f.cardiothoracicRatio.toFixed(2)}.`,
    () => 'Cardiac enlargement without pericardial effusion.',
  ],
  noCardiomegaly: [
    'Heart size is normal.',
    'No cardiomegaly.',
    'Normal heart size without pericardial effusion.',
    'The heart is normal in size.',
  ],
  emphysema: [
    (f) => `${capitalise(f.severity)} ${emphysemaPattern(f)}.`,
    (f) =>
      `Emphysematous changes are present in both lungs, ${f.severity}${f.distribution === 'upper' ? ', predominantly in the upper lobes' : ''}.`,
    (f) =>
      f.severity === 'mild'
        ? 'Minimal centrilobular emphysema, possibly early.'
        : `${capitalise(f.severity)} emphysema throughout both lungs.`,
  ],
  noEmphysema: ['No emphysema.', 'No emphysematous changes.', 'Lung parenchyma without emphysema.'],
  otherStructures: [
    { organ: 'Airways', variants: ['The trachea and main bronchi are patent.', 'Central airways are patent.'] },
    {
      organ: 'Mediastinum',
      variants: ['No mediastinal or hilar lymphadenopathy.', 'No enlarged mediastinal lymph nodes.'],
    },
    { organ: 'Pericardium', variants: ['No pericardial effusion.'], topic: 'pericardial' },
    { organ: 'Aorta', variants: ['The thoracic aorta is normal in caliber.'] },
    { organ: 'Lungs', variants: ['No consolidation.', 'No focal airspace consolidation.'] },
    { organ: 'Pleura', variants: ['No pneumothorax.'], topic: 'pneumothorax' },
    { organ: 'Upper abdomen', variants: ['The visualized upper abdomen is unremarkable.'] },
    { organ: 'Bones', variants: ['No acute osseous abnormality.', 'Degenerative changes of the thoracic spine.'] },
  ],
  impression: {
    nodule: [
      (f) => `${f.diameterMm} mm solid ${f.lobe} nodule; recommend follow-up CT per Fleischner guidelines.`,
      (f) => `Solid pulmonary nodule in the ${f.lobe} (${f.diameterMm} mm).`,
    ],
    effusion: [(f) => `${capitalise(f.size)} ${side(f)} ${effusionNoun(f)}.`],
    cardiomegaly: [() => 'Cardiomegaly.'],
    emphysema: [(f) => `${capitalise(f.severity)} emphysema.`],
    normal: ['No acute cardiopulmonary abnormality.', 'Normal CT of the chest.'],
  },
};
