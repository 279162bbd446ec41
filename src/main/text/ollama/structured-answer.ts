/**
 * Reads a model's answer as JSON that fits a schema. Models wrap JSON in code fences or
 * prefix it with a <think> block even when asked not to; both are stripped. What does not
 * parse or fit comes back as a short message that is sent to the model when it is asked again.
 */
import type { z } from 'zod';

export type ParsedAnswer<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseAnswer<S extends z.ZodType>(content: string, schema: S): ParsedAnswer<z.output<S>> {
  const text = content
    .replace(/<think>[\s\S]*?<\/think>/g, '')
    .replace(/^\s*```(?:json)?\s*/i, '')
    .replace(/\s*```\s*$/, '')
    .trim();
  if (!text) return { ok: false, error: 'the answer was empty' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `the answer is not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'the answer'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: `the answer does not fit the schema (${issues})` };
}
