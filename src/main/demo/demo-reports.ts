/** Free-text reports for the demo phantoms: section headers, varied phrasing, negations. */
import type { SeededRandom } from '../../shared/seeded-random';
import type { PhantomFindings } from './demo-phantom';

const INDICATIONS = [
  'Abdominal pain.',
  'Follow-up of chronic liver disease.',
  'Elevated liver enzymes.',
  'Weight loss, rule out malignancy.',
  'Staging.',
];

const LIVER_MASS = [
  'There is a hypodense mass in the right hepatic lobe measuring {size} cm.',
  'A {size} cm hypoattenuating lesion is seen in the liver.',
  'Solid hepatic mass of {size} cm in the right lobe.',
];
const NO_LIVER_MASS = [
  'No focal liver lesion.',
  'The liver is normal in size and attenuation without focal mass.',
  'No hepatic mass is identified.',
];
const CYST = ['Small simple cyst in the liver, fluid attenuation.', 'A subcentimetre hepatic cyst is noted.'];
const SPLENOMEGALY = ['The spleen is enlarged.', 'Splenomegaly is present.', 'Enlarged spleen measuring {size} cm.'];
const NORMAL_SPLEEN = ['The spleen is normal in size.', 'Spleen unremarkable.'];
const ASCITES = ['Moderate ascites is present.', 'Free fluid in the abdomen consistent with ascites.'];
const NO_ASCITES = ['No ascites.', 'No free fluid.'];
const KIDNEYS = ['The kidneys enhance symmetrically.', 'Kidneys are unremarkable.', 'No hydronephrosis.'];

export function writeDemoReport(random: SeededRandom, findings: PhantomFindings): string {
  const fill = (text: string): string => text.replace('{size}', random.uniform(2.5, 4.5).toFixed(1));
  const findingsText = [
    fill(random.pick(findings.liverMass ? LIVER_MASS : NO_LIVER_MASS)),
    ...(findings.liverCyst ? [random.pick(CYST)] : []),
    fill(random.pick(findings.splenomegaly ? SPLENOMEGALY : NORMAL_SPLEEN)),
    random.pick(findings.ascites ? ASCITES : NO_ASCITES),
    random.pick(KIDNEYS),
  ].join(' ');
  const impressions: string[] = [];
  if (findings.liverMass) impressions.push('Liver mass, further characterisation recommended.');
  if (findings.splenomegaly) impressions.push('Splenomegaly.');
  if (findings.ascites) impressions.push('Ascites.');
  if (impressions.length === 0) impressions.push('No acute abdominal abnormality.');
  const headers = random.pick([
    ['CLINICAL INFORMATION:', 'FINDINGS:', 'IMPRESSION:'],
    ['Indication:', 'Findings:', 'Conclusion:'],
    ['HISTORY:', 'FINDINGS:', 'IMPRESSION:'],
  ] as const);
  return `${headers[0]} ${random.pick(INDICATIONS)}\n\n${headers[1]} ${findingsText}\n\n${headers[2]} ${impressions.join(' ')}\n`;
}
