/**
 * The anatomical-decomposition prompt (HCC-Merlin's Appendix B, right): a one-shot
 * instruction that sorts the sentences of the Findings and Impression into organ systems, as
 * Merlin's pretraining text is organised. Versioned like the sections prompt.
 */
import type { Message } from 'ollama';
import { z } from 'zod';
import { ORGAN_SYSTEMS, type OrganSystem } from '../../../shared/organ-systems';
import { formatSchemaOf } from './format-schema';

export const ANATOMY_PROMPT_VERSION = 'anatomy-v1';

/** Every organ system is a list of sentences; one left out is an empty list. */
export const AnatomyAnswerSchema = z
  .object(
    Object.fromEntries(ORGAN_SYSTEMS.map((organ) => [organ.key, z.array(z.string()).default([])])) as {
      [K in OrganSystem]: z.ZodDefault<z.ZodArray<z.ZodString>>;
    },
  )
  .strict();
export type AnatomyAnswer = z.output<typeof AnatomyAnswerSchema>;

export const ANATOMY_FORMAT = formatSchemaOf(AnatomyAnswerSchema);

const INSTRUCTION = `You sort the sentences of a CT report's findings and impression by organ system. Return a JSON object whose keys are exactly these organ systems:
${ORGAN_SYSTEMS.map((organ) => `- "${organ.key}": ${organ.label}`).join('\n')}
Each value is the list of sentences from the text that describe that organ system.
Rules:
- Copy sentences word for word from the text; never paraphrase, merge, summarise or add anything, and never add a normal finding the text does not state.
- A sentence about two organ systems goes under both.
- An organ system the text does not mention is an empty list [].
- Leave out organ labels such as "LIVER:" and list numbering.
Answer with the JSON object only.`;

const EXAMPLE_TEXT = `LIVER: Nodular contour. 2.8 cm arterially enhancing lesion in segment 8 with washout.
SPLEEN: Enlarged, 15 cm.
No ascites or free air.
2.8 cm segment 8 lesion, LI-RADS 5.
Splenomegaly consistent with portal hypertension.`;

function exampleAnswer(): AnatomyAnswer {
  const answer = Object.fromEntries(ORGAN_SYSTEMS.map((organ) => [organ.key, [] as string[]])) as AnatomyAnswer;
  answer.liver = [
    'Nodular contour.',
    '2.8 cm arterially enhancing lesion in segment 8 with washout.',
    '2.8 cm segment 8 lesion, LI-RADS 5.',
  ];
  answer.spleen = ['Enlarged, 15 cm.', 'Splenomegaly consistent with portal hypertension.'];
  answer.vessels = ['Splenomegaly consistent with portal hypertension.'];
  answer.peritoneum = ['No ascites or free air.'];
  return answer;
}

/** `text` is the report's findings and impression. */
export function anatomyMessages(text: string): Message[] {
  return [
    { role: 'system', content: INSTRUCTION },
    { role: 'user', content: EXAMPLE_TEXT },
    { role: 'assistant', content: JSON.stringify(exampleAnswer()) },
    { role: 'user', content: text },
  ];
}
