/** Values the extraction components pass to each other. */
import type { ExtractionEngine } from '@shared/api/extraction-schemas';

/** What the start form asks for. */
export interface ExtractionFormOptions {
  engine: ExtractionEngine;
  concurrency: number;
  retries: number;
  force: boolean;
}

/** Why an extraction did not start. */
export interface StartFailure {
  /** The error's code (OLLAMA_UNREACHABLE, OLLAMA_MODEL_MISSING, ...), when it had one. */
  code: string | null;
  message: string;
  /** The model the refused extraction asked for. */
  model: string;
}
