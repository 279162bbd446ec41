/** A zod schema as the JSON schema Ollama's `format` takes (every key required, no extras). */
import { z } from 'zod';

export function formatSchemaOf(schema: z.ZodType): object {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return json;
}
