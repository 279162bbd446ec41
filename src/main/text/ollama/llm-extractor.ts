/**
 * Extraction of one report with a local LLM: the sections prompt, then the anatomy prompt on
 * the findings and impression it returned. Each answer must parse and fit its schema; if it
 * does not, the model is asked again with the reason, at most `retries` times, and then the
 * report fails (EXTRACTION_INVALID) with nothing kept.
 */
import type { Message } from 'ollama';
import type { z } from 'zod';
import { UserError } from '../../../shared/errors';
import type { OrganSystem } from '../../../shared/organ-systems';
import type { StructuredReport } from '../extraction/structured-report';
import { ANATOMY_FORMAT, ANATOMY_PROMPT_VERSION, AnatomyAnswerSchema, anatomyMessages } from './anatomy-prompt';
import type { OllamaConnection } from './ollama-connection';
import { SECTIONS_FORMAT, SECTIONS_PROMPT_VERSION, SectionsAnswerSchema, sectionsMessages } from './sections-prompt';
import { parseAnswer } from './structured-answer';

/** Stored with every LLM extraction; a new prompt version means a fresh extraction. */
export const LLM_PROMPT_VERSION = `${SECTIONS_PROMPT_VERSION}+${ANATOMY_PROMPT_VERSION}`;

export interface LlmExtractionOptions {
  model: string;
  retries: number;
  timeoutMs: number;
}

export interface LlmExtraction {
  report: StructuredReport;
  /** Requests made for this report (2 when both answers were valid at once). */
  attempts: number;
}

export async function extractWithLlm(
  connection: OllamaConnection,
  report: string,
  options: LlmExtractionOptions,
): Promise<LlmExtraction> {
  const sections = await ask(
    connection,
    sectionsMessages(report),
    SECTIONS_FORMAT,
    SectionsAnswerSchema,
    'sections',
    options,
  );
  const text = [sections.value.findings, sections.value.impression].filter((part) => part.trim()).join('\n');
  if (!text) return { report: { sections: sections.value, anatomy: {} }, attempts: sections.attempts };
  const anatomy = await ask(connection, anatomyMessages(text), ANATOMY_FORMAT, AnatomyAnswerSchema, 'anatomy', options);
  const organs: StructuredReport['anatomy'] = {};
  for (const [organ, sentences] of Object.entries(anatomy.value) as Array<[OrganSystem, string[]]>) {
    const kept = sentences.map((sentence) => sentence.trim()).filter(Boolean);
    if (kept.length > 0) organs[organ] = kept;
  }
  return { report: { sections: sections.value, anatomy: organs }, attempts: sections.attempts + anatomy.attempts };
}

async function ask<S extends z.ZodType>(
  connection: OllamaConnection,
  messages: Message[],
  format: object,
  schema: S,
  task: string,
  options: LlmExtractionOptions,
): Promise<{ value: z.output<S>; attempts: number }> {
  const conversation = [...messages];
  let lastError = '';
  for (let attempt = 1; attempt <= options.retries + 1; attempt += 1) {
    const content = await connection.chat({
      model: options.model,
      messages: conversation,
      format,
      timeoutMs: options.timeoutMs,
    });
    const parsed = parseAnswer(content, schema);
    if (parsed.ok) return { value: parsed.value, attempts: attempt };
    lastError = parsed.error;
    conversation.push(
      { role: 'assistant', content },
      {
        role: 'user',
        content: `That answer cannot be used: ${parsed.error}. Answer again with only the JSON object, following the schema exactly.`,
      },
    );
  }
  throw new UserError(
    'EXTRACTION_INVALID',
    `${options.model}'s ${task} answer was still invalid after ${options.retries + 1} attempts (${lastError}); nothing was kept for this report. Try again, or another model.`,
  );
}
