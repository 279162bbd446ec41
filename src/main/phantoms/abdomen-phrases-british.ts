/**
 * The second institution's abdominal reporting style: British spelling, terse clipped
 * statements, millimetres for lesions, numbered Couinaud segments ("seg 7", "S7"), "?" for
 * suspicion.
 */
import type { AscitesFinding, LiverMassFinding } from './abdomen-plan-types';
import type { AbdomenPhrasebook } from './abdomen-phrasebook';
import { segmentNumber } from './liver-segments';
import { capitalise, cm, joinList, mm } from './report-text';
import type { Pick } from './report-text';

function attenuation(mass: LiverMassFinding, pick: Pick): string {
  if (mass.attenuation === 'hypo') return pick(['low attenuation', 'hypoattenuating', 'hypodense']);
  return pick(['iso-attenuating', 'isodense']);
}

function capsule(mass: LiverMassFinding): string {
  return mass.capsule ? ' with enhancing capsule' : '';
}

function sites(finding: AscitesFinding): string {
  const names = finding.regions.map((r) => r.site);
  const words: string[] = [];
  if (names.includes('perihepatic')) words.push('perihepatic');
  if (names.includes('perisplenic')) words.push('perisplenic');
  if (names.includes('right paracolic')) words.push('paracolic');
  if (names.includes('pelvic')) words.push('pelvic');
  return joinList(words);
}

const CONDITIONS = [
  'Hep B surveillance',
  'Cirrhosis, surveillance',
  'Deranged LFTs',
  'RUQ pain',
  'Raised AFP',
  'Abdominal pain, weight loss',
  'Alcohol-related liver disease',
  'Known hepatitis C',
];

export const BRITISH_ABDOMEN: AbdomenPhrasebook = {
  indications: CONDITIONS.map((c) => () => `${c}.`),
  techniques: ['CT AP, portal venous phase.', 'Portal venous phase CT abdomen and pelvis.'],
  liverNormal: ['Liver normal size and attenuation.', 'Normal liver.'],
  steatosis: [
    () => 'Fatty liver.',
    (_f, hu) => `Diffuse hepatic steatosis (liver ${hu.liver} HU, spleen ${hu.spleen} HU).`,
    () => 'Low attenuation liver in keeping with steatosis.',
    (f) => `${capitalise(f.severity)} fatty infiltration of the liver.`,
  ],
  noSteatosis: ['No steatosis.', 'Liver not fatty.'],
  mass: [
    (f, _hu, pick) => `${mm(f.diameterCm)} mm ${attenuation(f, pick)} lesion seg ${segmentNumber(f.segment)}, ?HCC.`,
    (f, _hu, pick) =>
      `${capitalise(attenuation(f, pick))} ${mm(f.diameterCm)} mm tumour in segment ${segmentNumber(f.segment)}${capsule(f)} - in keeping with HCC.`,
    (f, _hu, pick) =>
      `Liver: ${mm(f.diameterCm)}mm ${attenuation(f, pick)} lesion segment ${segmentNumber(f.segment)}${capsule(f)}.`,
    (f, _hu, pick) =>
      `Solitary ${cm(f.diameterCm)} cm ${attenuation(f, pick)} lesion (S${segmentNumber(f.segment)}), suspicious for HCC.`,
  ],
  noMass: ['No focal liver lesion.', 'No liver lesion demonstrated.', 'Liver: no focal lesion.'],
  noMassButCyst: ['No solid liver lesion.', 'No other focal liver lesion.'],
  cyst: [
    (f) => `Simple cyst seg ${segmentNumber(f.segment)} (${mm(f.diameterCm)} mm).`,
    (f) => `${mm(f.diameterCm)} mm cyst segment ${segmentNumber(f.segment)}, benign.`,
    (f) => `Incidental ${mm(f.diameterCm)} mm hepatic cyst S${segmentNumber(f.segment)}.`,
  ],
  smallCyst: [
    (f) => `Tiny hypodensity seg ${segmentNumber(f.segment)}, probably a cyst.`,
    (f) => `?Small cyst seg ${segmentNumber(f.segment)} (${mm(f.diameterCm)} mm), too small to characterise.`,
  ],
  noCyst: ['No hepatic cyst.'],
  splenomegaly: [
    (f) => `Splenomegaly, ${cm(f.lengthCm)} cm.`,
    (f) => `Spleen enlarged (${cm(f.lengthCm)} cm).`,
    (f) => `Spleen ${cm(f.lengthCm)} cm - enlarged.`,
  ],
  normalSpleen: [
    () => 'Spleen normal size.',
    () => 'Spleen not enlarged.',
    (length) => `Spleen ${cm(length)} cm, normal.`,
  ],
  ascites: [
    (f) => `${capitalise(f.amount)} volume ascites.`,
    (f) => `Free fluid, ${sites(f)}.`,
    (f) => `Ascites, ${f.amount}, ${sites(f)}.`,
  ],
  noAscites: ['No ascites.', 'No free fluid.'],
  otherOrgans: [
    { organ: 'Kidneys', variants: ['Kidneys unremarkable, no hydronephrosis.', 'Normal kidneys.'] },
    { organ: 'Pancreas', variants: ['Pancreas, adrenals and gallbladder normal.', 'Pancreas unremarkable.'] },
    { organ: 'Bowel', variants: ['Bowel: no obstruction.', 'Bowel unremarkable.'] },
    { organ: 'Vessels', variants: ['Aorta normal calibre.', 'Portal vein patent.'] },
    { organ: 'Lymph nodes', variants: ['No lymphadenopathy.', 'No nodal disease.'], topic: 'lymph' },
    { organ: 'Lung bases', variants: ['Lung bases clear.'] },
    { organ: 'Bones', variants: ['Bones: no sinister abnormality.', 'Bones unremarkable.'] },
  ],
  impression: {
    mass: [
      (f) => `${mm(f.diameterCm)} mm seg ${segmentNumber(f.segment)} lesion - ?HCC, suggest MDT discussion.`,
      (f) => `Segment ${segmentNumber(f.segment)} tumour, in keeping with HCC.`,
      (f) => `Suspicious liver lesion (${mm(f.diameterCm)} mm) - HCC likely.`,
    ],
    cyst: [() => 'Benign hepatic cyst.'],
    steatosis: [() => 'Fatty liver.', () => 'Hepatic steatosis.'],
    splenomegaly: [() => 'Splenomegaly.'],
    ascites: [() => 'Ascites.', (f) => `${capitalise(f.amount)} ascites.`],
    noMass: ['No suspicious liver lesion.', 'No CT evidence of HCC.'],
    normal: ['Normal study.', 'No significant abnormality.', 'No acute findings.'],
  },
};
