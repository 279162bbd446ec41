/** The second institution's chest reporting style: British spelling, terse, lobe abbreviations, "zones". */
import type { PleuralEffusionFinding } from './chest-plan-types';
import type { ChestPhrasebook } from './chest-phrasebook';
import { lobeAbbreviation } from './lung-lobes';
import { capitalise } from './report-text';

function sideWord(f: PleuralEffusionFinding): string {
  return f.side === 'bilateral' ? 'bilateral' : f.side;
}

const CONDITIONS = ['SOB', 'Chronic cough', 'Haemoptysis', 'Ex-smoker, weight loss', 'Chest pain', 'Breathlessness'];

export const BRITISH_CHEST: ChestPhrasebook = {
  indications: CONDITIONS.map((c) => () => `${c}.`),
  techniques: ['Unenhanced CT thorax.', 'CT thorax, non-contrast.'],
  nodule: [
    (f) => `${f.diameterMm} mm solid nodule ${lobeAbbreviation(f.lobe)}.`,
    (f) => `Solid ${f.diameterMm}mm nodule in the ${f.lobe} - Fleischner follow-up advised.`,
    (f) => `Solitary pulmonary nodule, ${f.lobe}, ${f.diameterMm} mm.`,
  ],
  noNodule: ['No pulmonary nodule.', 'No suspicious nodule.'],
  effusion: [
    (f) =>
      f.side === 'bilateral' ? `Bilateral pleural effusions, ${f.size}.` : `${capitalise(f.size)} ${f.side} effusion.`,
    (f) => `${capitalise(sideWord(f))} pleural ${f.side === 'bilateral' ? 'effusions' : 'effusion'}, ${f.size}.`,
  ],
  noEffusion: ['No effusion.', 'No pleural effusion.'],
  cardiomegaly: [
    () => 'Cardiomegaly.',
    (f) => `Heart enlarged, CTR ${f.cardiothoracicRatio.toFixed(2)}.`,
    (f) => `Enlarged heart (CTR ${f.cardiothoracicRatio.toFixed(2)}).`,
  ],
  noCardiomegaly: ['Heart size normal.', 'No cardiomegaly.'],
  emphysema: [
    (f) =>
      f.distribution === 'upper'
        ? `Centrilobular emphysema, upper zone predominant (${f.severity}).`
        : `Panlobular emphysema throughout both lungs (${f.severity}).`,
    (f) => `${capitalise(f.severity)} emphysema.`,
  ],
  noEmphysema: ['No emphysema.'],
  otherStructures: [
    { organ: 'Oesophagus', variants: ['Oesophagus unremarkable.', 'No hiatus hernia.'] },
    { organ: 'Mediastinum', variants: ['Mediastinal nodes not enlarged.', 'No lymphadenopathy.'] },
    { organ: 'Aorta', variants: ['Aorta normal calibre.'] },
    { organ: 'Airways', variants: ['Airways patent.'] },
    { organ: 'Pleura', variants: ['No pneumothorax.'] },
    { organ: 'Bones', variants: ['Bones: no destructive abnormality.'] },
  ],
  impression: {
    nodule: [
      (f) => `${f.diameterMm} mm ${lobeAbbreviation(f.lobe)} nodule - CT follow-up advised.`,
      (f) => `Pulmonary nodule ${lobeAbbreviation(f.lobe)}.`,
    ],
    effusion: [(f) => `${capitalise(sideWord(f))} ${f.side === 'bilateral' ? 'effusions' : 'effusion'}.`],
    cardiomegaly: [() => 'Cardiomegaly.'],
    emphysema: [() => 'Emphysema.'],
    normal: ['No acute abnormality.', 'Normal CT thorax.'],
  },
};
