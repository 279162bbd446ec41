/**
 * Report-section extraction: the Ollama connection, the extraction job's options, and what is
 * kept per report (sections, organ-level text, each sentence with its grounding and review).
 */
import { z } from 'zod';
import { ErrorPayloadSchema } from '../errors';
import { ORGAN_SYSTEM_KEYS } from '../organ-systems';

/** 127.0.0.1, not localhost: localhost may resolve to ::1, where Ollama does not listen. */
export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
/** The HCC paper's extractor (its Appendix B). */
export const RECOMMENDED_OLLAMA_MODEL = 'qwen3:8b';
/** Smaller members of the same family for GPUs with less than ~8 GB free. */
export const SMALLER_OLLAMA_MODELS = ['qwen3:4b', 'qwen3:1.7b'] as const;

export const REPORT_SECTIONS = ['clinical_information', 'findings', 'impression'] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

export const ExtractionEngineSchema = z.enum(['ollama', 'rules']);
export type ExtractionEngine = z.infer<typeof ExtractionEngineSchema>;

/**
 * Reports are patient data and never leave the machine: the host must be a loopback address.
 * (Ollama on another machine can be reached through a local tunnel: ssh -L 11434:127.0.0.1:11434.)
 */
export const OllamaHostSchema = z
  .string()
  .trim()
  .min(1)
  .refine((value) => /^https?:\/\/[^/\s]+\/?$/.test(value), {
    message: 'An Ollama host is a URL like http://127.0.0.1:11434 (scheme, host and port, no path).',
  })
  .refine((value) => isLoopback(value), {
    message:
      'Reports never leave this machine, so Ollama must run on it: use http://127.0.0.1:PORT (or localhost, [::1]). For Ollama on another machine, tunnel it to a local port (ssh -L 11434:127.0.0.1:11434 HOST).',
  })
  .transform((value) => value.replace(/\/$/, ''));

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

export const OllamaModelNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:]*$/, 'A model name looks like qwen3:8b.');

export const OllamaSettingsSchema = z.object({ host: z.string(), model: z.string() });
export type OllamaSettings = z.infer<typeof OllamaSettingsSchema>;

export const OllamaModelSchema = z.object({
  name: z.string(),
  sizeBytes: z.number().nonnegative(),
  parameterSize: z.string().nullable(),
  modifiedAt: z.string().nullable(),
});
export type OllamaModel = z.infer<typeof OllamaModelSchema>;

export const OllamaStatusSchema = z.object({
  host: z.string(),
  reachable: z.boolean(),
  version: z.string().nullable(),
  models: z.array(OllamaModelSchema),
  recommended: z.string(),
  /** Smaller models for small GPUs. */
  suggestions: z.array(z.string()),
  /** Why the server could not be reached, as a person can act on it; null when it was. */
  message: z.string().nullable(),
});
export type OllamaStatus = z.infer<typeof OllamaStatusSchema>;

export const StartExtractionInputSchema = z.object({
  engine: ExtractionEngineSchema.default('ollama'),
  /** Ollama model; null: the saved setting (default qwen3:8b). Ignored by the rules engine. */
  model: OllamaModelNameSchema.nullable().default(null),
  /** Ollama host; null: the saved setting (default http://127.0.0.1:11434). */
  host: OllamaHostSchema.nullable().default(null),
  /** Reports sent to Ollama at once. */
  concurrency: z.number().int().min(1).max(16).default(2),
  /** Re-asks (with the validation error) after an answer that does not parse or fit the schema. */
  retries: z.number().int().min(0).max(5).default(2),
  /** Seconds one answer may take before the report is marked failed. */
  timeoutSeconds: z.number().min(1).max(3600).default(300),
  /** Extract again even where a cached result (same report, engine, model, prompt version) exists; its reviews are lost. */
  force: z.boolean().default(false),
  /** Only this dataset's reports. */
  datasetId: z.number().int().positive().nullable().default(null),
  /** Also write the results as JSON Lines to this file (written whole, then renamed into place). */
  outFile: z.string().min(1).nullable().default(null),
});
export type StartExtractionInput = z.input<typeof StartExtractionInputSchema>;
export type StartExtractionOptions = z.output<typeof StartExtractionInputSchema>;

export const SentenceReviewSchema = z.enum(['pending', 'accepted', 'rejected']);
export type SentenceReview = z.infer<typeof SentenceReviewSchema>;

export const ExtractedSentenceSchema = z.object({
  id: z.number().int(),
  /** 'clinical_information', 'findings', 'impression' or 'anatomy:<organ system>'. */
  section: z.string(),
  text: z.string(),
  /** Found in the source report (normalised, fuzzy). Ungrounded text is never trained on unless accepted. */
  grounded: z.boolean(),
  review: SentenceReviewSchema,
  /** Written or changed by a person. */
  edited: z.boolean(),
  /** Where it was found in the source report (UTF-16 offsets); null when ungrounded. */
  start: z.number().int().nullable(),
  end: z.number().int().nullable(),
});
export type ExtractedSentence = z.infer<typeof ExtractedSentenceSchema>;

export const ExtractionStatusSchema = z.enum(['succeeded', 'failed']);

export const ExtractionInfoSchema = z.object({
  id: z.number().int(),
  engine: ExtractionEngineSchema,
  model: z.string(),
  promptVersion: z.string(),
  status: ExtractionStatusSchema,
  error: ErrorPayloadSchema.nullable(),
  attempts: z.number().int(),
  createdAt: z.string(),
});
export type ExtractionInfo = z.infer<typeof ExtractionInfoSchema>;

export const ExtractionListFilterSchema = z.enum(['all', 'needs-review', 'failed', 'none']);

export const ExtractionListRowSchema = z.object({
  studyId: z.number().int(),
  studyUid: z.string(),
  datasetId: z.number().int(),
  split: z.string(),
  /** none: not extracted yet; otherwise the report's current extraction (or its last failure). */
  status: z.enum(['none', 'succeeded', 'failed']),
  engine: ExtractionEngineSchema.nullable(),
  model: z.string().nullable(),
  promptVersion: z.string().nullable(),
  sentences: z.number().int(),
  ungrounded: z.number().int(),
  /** Ungrounded sentences nobody has accepted or rejected yet. */
  needsReview: z.number().int(),
  error: ErrorPayloadSchema.nullable(),
});
export type ExtractionListRow = z.infer<typeof ExtractionListRowSchema>;

export const ExtractionCountsSchema = z.object({
  reports: z.number().int(),
  extracted: z.number().int(),
  failed: z.number().int(),
  none: z.number().int(),
  needsReview: z.number().int(),
});

export const ExtractionDetailSchema = z.object({
  studyId: z.number().int(),
  studyUid: z.string(),
  report: z.string(),
  /** The extraction shown: the current one, or the last failed attempt when none succeeded. */
  extraction: ExtractionInfoSchema.nullable(),
  sentences: z.array(ExtractedSentenceSchema),
});
export type ExtractionDetail = z.infer<typeof ExtractionDetailSchema>;

export const SectionAgreementSchema = z.object({
  /** Fraction of reports where both engines agree the section is present (or both find it absent). */
  presence: z.number().nullable(),
  /** Mean token F1 between the two engines' texts, over reports where either found the section. */
  tokenF1: z.number().nullable(),
});

export const AgreementRowSchema = z.object({
  datasetId: z.number().int(),
  datasetName: z.string(),
  /** Reports with a successful Ollama extraction, compared with the rule-based extractor. */
  reports: z.number().int(),
  model: z.string().nullable(),
  sections: z.object({
    clinical_information: SectionAgreementSchema,
    findings: SectionAgreementSchema,
    impression: SectionAgreementSchema,
  }),
  /** Mean Jaccard index of the organ systems each engine found. */
  anatomyJaccard: z.number().nullable(),
});
export type AgreementRow = z.infer<typeof AgreementRowSchema>;

export const ExtractionJobResultSchema = z.object({
  engine: ExtractionEngineSchema,
  model: z.string(),
  promptVersion: z.string(),
  reports: z.number().int(),
  extracted: z.number().int(),
  cached: z.number().int(),
  failed: z.number().int(),
  ungroundedSentences: z.number().int(),
  outFile: z.string().nullable(),
  agreement: z.array(AgreementRowSchema),
});
export type ExtractionJobResult = z.infer<typeof ExtractionJobResultSchema>;

/** One line of `ctvlm extract --out FILE.jsonl`. */
export const ExtractionJsonlRecordSchema = z.object({
  study_id: z.string(),
  engine: ExtractionEngineSchema,
  model: z.string().nullable(),
  prompt_version: z.string(),
  sections: z.object({ clinical_information: z.string(), findings: z.string(), impression: z.string() }),
  anatomy: z.partialRecord(z.enum(ORGAN_SYSTEM_KEYS), z.string()),
  ungrounded: z.array(z.string()),
});
export type ExtractionJsonlRecord = z.infer<typeof ExtractionJsonlRecordSchema>;
