/**
 * Built-in zero-shot tasks. HCC and CT-RATE-18 are the papers' (prompts verbatim from the reference
 * code, ../shared/reference/reference-implementations.md); the phantom tasks evaluate the demo's
 * synthetic cohorts, whose manifests carry label:<finding> columns.
 */
import { ABDOMEN_FINDINGS, CHEST_FINDINGS, ZERO_SHOT_PROMPTS } from '../../../phantoms/phantom-findings';
import type { ZeroShotTaskInput } from './task-schema';

/** HCC-Merlin: three positive and three negative prompts, sim = 100·cos, argmax(neg, pos). */
export const HCC_TASK: ZeroShotTaskInput = {
  name: 'hcc',
  description: 'Hepatocellular carcinoma (HCC-Merlin prompts): sigmoid(pos − neg) of 100·cos, argmax threshold.',
  kind: 'binary',
  scoring: 'pair',
  scale: 100,
  threshold: { kind: 'argmax' },
  classes: [
    {
      name: 'hcc',
      positive: [
        'Liver mass consistent with hepatocellular carcinoma',
        'HCC detected with typical arterial enhancement pattern',
        'Imaging shows signs of hepatocellular carcinoma',
      ],
      negative: [
        'No hepatocellular carcinoma found in liver',
        'No liver mass consistent with HCC detected',
        'Liver appears clear of hepatocellular carcinoma',
      ],
    },
  ],
};

/** The 18 CT-RATE pathologies, in CT-RATE's label-column order. */
export const CT_RATE_PATHOLOGIES = [
  'Medical material',
  'Arterial wall calcification',
  'Cardiomegaly',
  'Pericardial effusion',
  'Coronary artery wall calcification',
  'Hiatal hernia',
  'Lymphadenopathy',
  'Emphysema',
  'Atelectasis',
  'Lung nodule',
  'Lung opacity',
  'Pulmonary fibrotic sequela',
  'Pleural effusion',
  'Mosaic attenuation pattern',
  'Peribronchial thickening',
  'Consolidation',
  'Bronchiectasis',
  'Interlobular septal thickening',
] as const;

const ctRateClasses = CT_RATE_PATHOLOGIES.map((name) => ({ name, phrase: name }));

/** CT-CLIP: "{p} is present." / "{p} is not present.", softmax over the pair of model logits. */
export const CT_RATE_18_TASK: ZeroShotTaskInput = {
  name: 'ct-rate-18',
  description: 'The 18 CT-RATE pathologies (CT-CLIP prompts), softmax over the pair, ROC point closest to (0,1).',
  kind: 'multilabel',
  templates: { positive: ['{p} is present.'], negative: ['{p} is not present.'] },
  scoring: 'pair',
  scale: 'model',
  threshold: { kind: 'closest-to-corner' },
  classes: ctRateClasses,
};

/** MedCT-VLM's variant: one prompt "CT scan showing {p}" per class, with a sigmoid. */
export const CT_RATE_18_MEDCT_TASK: ZeroShotTaskInput = {
  name: 'ct-rate-18-medct',
  description: 'The 18 CT-RATE pathologies with MedCT-VLM\'s "CT scan showing {p}" and a sigmoid.',
  kind: 'multilabel',
  templates: { positive: ['CT scan showing {p}'], negative: [] },
  scoring: 'positive-only',
  scale: 'model',
  threshold: { kind: 'closest-to-corner' },
  classes: ctRateClasses,
};

const phantomTemplates = { positive: ['{p} is present.'], negative: ['{p} is not present.'] };
const capitalised = (phrase: string): string => phrase.charAt(0).toUpperCase() + phrase.slice(1);

/** The demo's abdominal phantoms: five findings. */
export const PHANTOM_ABDOMEN_TASK: ZeroShotTaskInput = {
  name: 'phantom-abdomen',
  description: 'Synthetic abdomen phantoms: liver mass, liver cyst, steatosis, splenomegaly, ascites.',
  kind: 'multilabel',
  templates: phantomTemplates,
  scoring: 'pair',
  scale: 100,
  threshold: { kind: 'argmax' },
  classes: ABDOMEN_FINDINGS.map((name) => ({ name, phrase: capitalised(ZERO_SHOT_PROMPTS[name]) })),
};

/** The demo's headline finding alone, as a binary task. */
export const PHANTOM_LIVER_MASS_TASK: ZeroShotTaskInput = {
  name: 'phantom-liver-mass',
  description: 'Synthetic abdomen phantoms: liver mass present or not.',
  kind: 'binary',
  templates: phantomTemplates,
  scoring: 'pair',
  scale: 100,
  threshold: { kind: 'argmax' },
  classes: [{ name: 'liver_mass', phrase: 'Liver mass' }],
};

/** Chest phantoms: an external sanity task for a model adapted on the abdomen. */
export const PHANTOM_CHEST_TASK: ZeroShotTaskInput = {
  name: 'phantom-chest',
  description: 'Synthetic chest phantoms (an external sanity check for abdominal adaptation).',
  kind: 'multilabel',
  templates: phantomTemplates,
  scoring: 'pair',
  scale: 100,
  threshold: { kind: 'argmax' },
  classes: CHEST_FINDINGS.map((name) => ({ name, phrase: capitalised(ZERO_SHOT_PROMPTS[name]) })),
};

export const BUILT_IN_TASKS: readonly ZeroShotTaskInput[] = [
  HCC_TASK,
  CT_RATE_18_TASK,
  CT_RATE_18_MEDCT_TASK,
  PHANTOM_ABDOMEN_TASK,
  PHANTOM_LIVER_MASS_TASK,
  PHANTOM_CHEST_TASK,
];
