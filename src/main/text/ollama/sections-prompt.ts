/**
 * The section-extraction prompt (HCC-Merlin's Appendix B, left): a one-shot instruction that
 * splits a free-text report into Clinical Information, Findings and Impression, copied
 * verbatim. Changing the wording, the example or the schema is a new version: cached results
 * are keyed by it.
 */
import type { Message } from 'ollama';
import { z } from 'zod';
import { REPORT_SECTIONS } from '../../../shared/api/extraction-schemas';
import { formatSchemaOf } from './format-schema';

export const SECTIONS_PROMPT_VERSION = 'sections-v1';

/** A section the report does not have may be left out or empty. */
export const SectionsAnswerSchema = z
  .object(
    Object.fromEntries(REPORT_SECTIONS.map((section) => [section, z.string().default('')])) as {
      [K in (typeof REPORT_SECTIONS)[number]]: z.ZodDefault<z.ZodString>;
    },
  )
  .strict();
export type SectionsAnswer = z.output<typeof SectionsAnswerSchema>;

export const SECTIONS_FORMAT = formatSchemaOf(SectionsAnswerSchema);

const INSTRUCTION = `You split radiology reports into sections. Return a JSON object with exactly these keys:
- "clinical_information": the indication, clinical history, clinical details or clinical question;
- "findings": the observations, organ by organ where the report goes organ by organ;
- "impression": the impression, conclusion, summary, opinion or comment.
Rules:
- Copy the report's own sentences word for word. Never paraphrase, summarise, correct, translate or add anything, and never add a normal finding the report does not state.
- Leave out section headers, list numbering, the technique or protocol, and comparisons.
- A section the report does not have is an empty string "".
- If the report has no headers, decide from the content: the reason for the scan is clinical information, the description of what is seen is findings, and a final summary is the impression.
Answer with the JSON object only.`;

const EXAMPLE_REPORT = `EXAM: CT abdomen and pelvis with contrast.
HISTORY: 64-year-old man with cirrhosis, rising AFP.
TECHNIQUE: Portal venous phase, 3 mm slices.
FINDINGS:
LIVER: Nodular contour. 2.8 cm arterially enhancing lesion in segment 8 with washout.
SPLEEN: Enlarged, 15 cm.
KIDNEYS: No hydronephrosis.
IMPRESSION:
1. 2.8 cm segment 8 lesion, LI-RADS 5.
2. Splenomegaly consistent with portal hypertension.`;

const EXAMPLE_ANSWER: SectionsAnswer = {
  clinical_information: '64-year-old man with cirrhosis, rising AFP.',
  findings:
    'LIVER: Nodular contour. 2.8 cm arterially enhancing lesion in segment 8 with washout.\nSPLEEN: Enlarged, 15 cm.\nKIDNEYS: No hydronephrosis.',
  impression: '2.8 cm segment 8 lesion, LI-RADS 5.\nSplenomegaly consistent with portal hypertension.',
};

export function sectionsMessages(report: string): Message[] {
  return [
    { role: 'system', content: INSTRUCTION },
    { role: 'user', content: EXAMPLE_REPORT },
    { role: 'assistant', content: JSON.stringify(EXAMPLE_ANSWER) },
    { role: 'user', content: report },
  ];
}
