/** One report through the two prompts, with validation, bounded retries and grounding. */
import { afterEach, describe, expect, it } from 'vitest';
import { OllamaConnection } from '../../../src/main/text/ollama/ollama-connection';
import { extractWithLlm } from '../../../src/main/text/ollama/llm-extractor';
import { parseAnswer } from '../../../src/main/text/ollama/structured-answer';
import { SectionsAnswerSchema } from '../../../src/main/text/ollama/sections-prompt';
import { sentenceDrafts } from '../../../src/main/text/extraction/sentence-drafts';
import {
  faithfulAnswer,
  promptKind,
  startFakeOllama,
  type Answer,
  type FakeOllama,
} from '../../helpers/fake-ollama-server';

const REPORT = `Indication: Abdominal pain.
Findings: The liver is normal. A 2.1 cm cyst in the left kidney. No ascites.
Impression: Simple left renal cyst.`;

let server: FakeOllama | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function extract(answer: Answer, retries = 2) {
  server = await startFakeOllama({ answer });
  return extractWithLlm(new OllamaConnection({ host: server.host }), REPORT, {
    model: 'qwen3:8b',
    retries,
    timeoutMs: 5000,
  });
}

describe('extraction with a local LLM', () => {
  it('asks for sections, then for organ systems of the findings and impression, one-shot', async () => {
    const result = await extract(faithfulAnswer);
    expect(result.attempts).toBe(2);
    expect(result.report.sections).toEqual({
      clinical_information: 'Abdominal pain.',
      findings: 'The liver is normal. A 2.1 cm cyst in the left kidney. No ascites.',
      impression: 'Simple left renal cyst.',
    });
    expect(result.report.anatomy).toEqual({
      liver: ['The liver is normal.'],
      kidneys: ['A 2.1 cm cyst in the left kidney.', 'Simple left renal cyst.'],
      peritoneum: ['No ascites.'],
    });
    const [sections, anatomy] = server!.chats();
    expect(promptKind(sections!)).toBe('sections');
    expect(sections!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sections!.messages.at(-1)?.content).toBe(REPORT);
    expect(promptKind(anatomy!)).toBe('anatomy');
    expect(anatomy!.messages.at(-1)?.content).toBe(
      'The liver is normal. A 2.1 cm cyst in the left kidney. No ascites.\nSimple left renal cyst.',
    );
  });

  it('asks again with the reason after malformed JSON or a wrong key, then uses the valid answer', async () => {
    let calls = 0;
    const result = await extract((call) => {
      calls += 1;
      if (calls === 1) return '{"clinical_information": "Abdominal pain.", "findings": ';
      if (calls === 2) return '{"history": "Abdominal pain."}';
      return faithfulAnswer(call);
    });
    expect(result.attempts).toBe(4);
    const third = server!.chats()[2]!;
    expect(third.messages.at(-3)?.content).toContain('not valid JSON');
    expect(third.messages.at(-1)?.content).toMatch(
      /does not fit the schema \(the answer: Unrecognized key: "history"\)/,
    );
  });

  it('fails the report after the bounded retries, saying why', async () => {
    const failing = extract(() => 'I cannot help with that.', 1);
    await expect(failing).rejects.toMatchObject({ code: 'EXTRACTION_INVALID' });
    await expect(failing).rejects.toThrow(
      "qwen3:8b's sections answer was still invalid after 2 attempts (the answer is not valid JSON",
    );
    expect(server!.chats()).toHaveLength(2);
  });

  it('flags an invented sentence as not found in the report', async () => {
    const result = await extract((call) => {
      if (promptKind(call) !== 'sections') return faithfulAnswer(call);
      const sections = JSON.parse(faithfulAnswer(call)) as Record<string, string>;
      return JSON.stringify({ ...sections, findings: `${sections.findings} Incidental 9 mm renal calculus.` });
    });
    const drafts = sentenceDrafts(REPORT, result.report);
    const invented = drafts.filter((draft) => !draft.grounded);
    expect(invented.map((draft) => [draft.section, draft.text])).toEqual([
      ['findings', 'Incidental 9 mm renal calculus.'],
      ['anatomy:kidneys', 'Incidental 9 mm renal calculus.'],
    ]);
    expect(drafts.filter((draft) => draft.grounded)).toHaveLength(drafts.length - 2);
  });
});

describe('reading an answer', () => {
  it('strips a think block and code fences, and fills absent sections with ""', () => {
    expect(parseAnswer('<think>hmm</think>\n```json\n{"findings": "x"}\n```', SectionsAnswerSchema)).toEqual({
      ok: true,
      value: { clinical_information: '', findings: 'x', impression: '' },
    });
    expect(parseAnswer('{"findings": 3}', SectionsAnswerSchema)).toMatchObject({ ok: false });
  });
});
