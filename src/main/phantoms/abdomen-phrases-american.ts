/**
 * The source institution's abdominal reporting style: American spelling, full sentences,
 * centimetres, Roman-numeral Couinaud segments.
 */
import type { AscitesFinding, LiverMassFinding } from './abdomen-plan-types';
import type { AbdomenPhrasebook } from './abdomen-phrasebook';
import { liverLobeOf } from './liver-segments';
import { capitalise, cm, joinList } from './report-text';
import type { Pick } from './report-text';

function attenuation(mass: LiverMassFinding, pick: Pick): string {
  if (mass.attenuation === 'hypo') return pick(['hypodense', 'hypoattenuating', 'low-attenuation']);
  return pick(['isoattenuating', 'isodense']);
}

function capsule(mass: LiverMassFinding, pick: Pick): string {
  if (!mass.capsule) return mass.attenuation === 'hypo' ? pick(['', ' with washout on the portal venous phase']) : '';
  return pick([' with an enhancing capsule', ' with a peripheral enhancing pseudocapsule']);
}

function lobe(mass: LiverMassFinding): string {
  const which = liverLobeOf(mass.segment);
  return which === 'caudate' ? 'caudate lobe' : `${which} hepatic lobe`;
}

function ascitesSites(finding: AscitesFinding): string {
  const sites = finding.regions.map((r) => r.site);
  const words: string[] = [];
  if (sites.includes('perihepatic')) words.push('around the liver');
  if (sites.includes('perisplenic')) words.push('around the spleen');
  if (sites.includes('right paracolic') && sites.includes('left paracolic')) words.push('in both paracolic gutters');
  if (sites.includes('pelvic')) words.push('in the pelvis');
  return joinList(words);
}

const PATIENT_CONDITIONS = [
  'chronic hepatitis B',
  'chronic hepatitis C',
  'cirrhosis',
  'elevated alpha-fetoprotein',
  'right upper quadrant pain',
  'abnormal liver function tests',
  'abdominal pain',
  'unintentional weight loss',
];

export const AMERICAN_ABDOMEN: AbdomenPhrasebook = {
  indications: [
    ...PATIENT_CONDITIONS.map((c) => (patient: string) => `${patient} with ${c}.`),
    ...PATIENT_CONDITIONS.map((c) => () => `${capitalise(c)}.`),
    () => 'Cirrhosis, surveillance imaging.',
    () => 'Follow-up of chronic liver disease.',
  ],
  techniques: [
    'CT of the abdomen and pelvis with intravenous contrast in the portal venous phase.',
    'Contrast-enhanced CT of the abdomen and pelvis, portal venous phase.',
    'Axial CT images of the abdomen and pelvis were obtained after administration of IV contrast.',
  ],
  liverNormal: [
    'The liver is normal in size and attenuation.',
    'Normal hepatic size and attenuation.',
    'The liver is normal in size with homogeneous attenuation.',
  ],
  steatosis: [
    (f) =>
      `The liver is diffusely hypoattenuating relative to the spleen, consistent with ${f.severity} hepatic steatosis.`,
    (_f, hu) =>
      `Diffuse fatty infiltration of the liver (hepatic attenuation ${hu.liver} HU versus splenic ${hu.spleen} HU).`,
    (f) => `${capitalise(f.severity)} hepatic steatosis.`,
    () => 'Decreased hepatic attenuation compatible with steatosis.',
  ],
  noSteatosis: ['No hepatic steatosis.', 'No evidence of fatty infiltration.'],
  mass: [
    (f, _hu, pick) =>
      `There is a ${cm(f.diameterCm)} cm ${attenuation(f, pick)} lesion in segment ${f.segment} of the liver${capsule(f, pick)}.`,
    (f, _hu, pick) =>
      `A ${cm(f.diameterCm)} cm ${attenuation(f, pick)} mass is seen in hepatic segment ${f.segment}${capsule(f, pick)}.`,
    (f, _hu, pick) =>
      `Segment ${f.segment} contains a ${cm(f.diameterCm)} x ${cm(f.diameterCm * 0.85)} cm heterogeneous ${attenuation(f, pick)} mass.`,
    (f, _hu, pick) =>
      `${cm(f.diameterCm)} cm ill-defined ${attenuation(f, pick)} lesion in the ${lobe(f)} (segment ${f.segment}).`,
    (f, _hu, pick) =>
      `Within the ${lobe(f)}, segment ${f.segment}, there is a ${cm(f.diameterCm)} cm ${attenuation(f, pick)} mass${capsule(f, pick)}.`,
  ],
  noMass: [
    'No focal liver lesion.',
    'No focal hepatic mass is identified.',
    'There is no evidence of a liver mass.',
    'The liver is without focal lesion.',
  ],
  noMassButCyst: ['No solid liver mass.', 'No suspicious hepatic mass.', 'No other focal liver lesion.'],
  cyst: [
    (f) => `A ${cm(f.diameterCm)} cm simple cyst is present in segment ${f.segment}.`,
    (f) => `Well-circumscribed ${cm(f.diameterCm)} cm fluid-attenuation cyst in hepatic segment ${f.segment}.`,
    (f) => `Segment ${f.segment} hepatic cyst measuring ${cm(f.diameterCm)} cm.`,
    (f) =>
      `There is a ${cm(f.diameterCm)} cm homogeneous water-density cyst in segment ${f.segment}, without enhancement.`,
  ],
  smallCyst: [
    (f) => `Possible small cyst in segment ${f.segment} (${cm(f.diameterCm)} cm), too small to characterize.`,
    (f) => `A ${cm(f.diameterCm)} cm hypodensity in segment ${f.segment} likely represents a cyst.`,
    (f) => `Probable ${cm(f.diameterCm)} cm cyst in segment ${f.segment}.`,
  ],
  noCyst: ['No hepatic cysts.', 'No cysts are seen in the liver.'],
  splenomegaly: [
    (f) => `The spleen is enlarged, measuring ${cm(f.lengthCm)} cm in craniocaudal length.`,
    (f) => `Splenomegaly, the spleen measuring ${cm(f.lengthCm)} cm.`,
    (f) => `Enlarged spleen (${cm(f.lengthCm)} cm).`,
  ],
  normalSpleen: [
    (length) => `The spleen is normal in size (${cm(length)} cm).`,
    () => 'The spleen is not enlarged.',
    () => 'Normal-sized spleen.',
    () => 'No splenomegaly.',
  ],
  ascites: [
    (f) => `${capitalise(f.amount)} volume ascites ${ascitesSites(f)}.`,
    (f) => `There is a ${f.amount} amount of free fluid ${ascitesSites(f)}, consistent with ascites.`,
    (f) => `${capitalise(f.amount)} volume ascites.`,
  ],
  noAscites: [
    'No ascites.',
    'Negative for ascites.',
    'There is no free fluid.',
    'No intraperitoneal free fluid.',
    'No ascites or lymphadenopathy.',
    'There is no evidence of ascites.',
  ],
  otherOrgans: [
    {
      organ: 'Gallbladder',
      variants: ['The gallbladder is unremarkable.', 'Gallbladder is normal without gallstones.'],
    },
    { organ: 'Pancreas', variants: ['The pancreas is normal.', 'Unremarkable pancreas.'] },
    { organ: 'Adrenals', variants: ['The adrenal glands are normal.', 'Normal adrenal glands.'] },
    {
      organ: 'Kidneys',
      variants: [
        'The kidneys enhance symmetrically without hydronephrosis.',
        'Both kidneys are normal in size, without hydronephrosis or stones.',
      ],
    },
    {
      organ: 'Bowel',
      variants: ['No bowel obstruction.', 'The bowel is normal in caliber.', 'Unremarkable bowel loops.'],
    },
    {
      organ: 'Vessels',
      variants: ['The abdominal aorta is normal in caliber.', 'Patent portal and hepatic veins.'],
    },
    { organ: 'Lymph nodes', variants: ['No lymphadenopathy.', 'No enlarged abdominal lymph nodes.'], topic: 'lymph' },
    { organ: 'Lung bases', variants: ['The lung bases are clear.', 'Clear lung bases.'] },
    {
      organ: 'Bones',
      variants: ['No aggressive osseous abnormality.', 'Mild degenerative changes of the lumbar spine.'],
    },
  ],
  impression: {
    mass: [
      (f) => `${cm(f.diameterCm)} cm segment ${f.segment} liver mass, suspicious for hepatocellular carcinoma.`,
      (f) => `Hepatic mass in segment ${f.segment}, most consistent with hepatocellular carcinoma (LR-5).`,
      (f, _hu, pick) =>
        `${cm(f.diameterCm)} cm ${attenuation(f, pick)} liver lesion concerning for HCC; recommend multiphase MRI.`,
    ],
    cyst: [() => 'Simple hepatic cyst.', (f) => `Benign-appearing ${cm(f.diameterCm)} cm hepatic cyst.`],
    steatosis: [() => 'Hepatic steatosis.', () => 'Fatty liver.'],
    splenomegaly: [() => 'Splenomegaly.', (f) => `Splenomegaly (${cm(f.lengthCm)} cm).`],
    ascites: [(f) => `${capitalise(f.amount)} volume ascites.`, () => 'Ascites.'],
    noMass: ['No evidence of hepatocellular carcinoma.', 'No suspicious liver lesion.'],
    normal: [
      'No acute abdominal abnormality.',
      'Unremarkable CT of the abdomen and pelvis.',
      'No significant abnormality.',
    ],
  },
};
