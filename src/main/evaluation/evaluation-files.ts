/**
 * What an evaluation leaves in its folder: metrics.json (every number, with CIs), predictions.csv
 * (study_id, class, label, score, pred: one row per study and class), embeddings.safetensors
 * (image, report and prompt embeddings) with embeddings.json (which study each row is), and
 * projections.json (PCA, t-SNE, UMAP of image and report embeddings together). Each file is
 * written then renamed. A folder is only reused when it holds nothing but these files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { MetricsDocument } from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';
import { writeSafetensors } from '../engine/io/safetensors-writer';
import { writeFileAtomic } from '../fs/atomic-write';

export const METRICS_FILE = 'metrics.json';
export const PREDICTIONS_FILE = 'predictions.csv';
export const EMBEDDINGS_FILE = 'embeddings.safetensors';
export const EMBEDDINGS_INDEX_FILE = 'embeddings.json';
export const PROJECTIONS_FILE = 'projections.json';
const OUR_FILES = new Set([METRICS_FILE, PREDICTIONS_FILE, EMBEDDINGS_FILE, EMBEDDINGS_INDEX_FILE, PROJECTIONS_FILE]);

export const EmbeddingsIndexSchema = z.object({
  dim: z.number().int(),
  studies: z.array(
    z.object({
      studyId: z.number().int(),
      studyUid: z.string(),
      split: z.enum(['train', 'val', 'test']),
      labels: z.record(z.string(), z.number()),
      /** Row in the "report" tensor; null for a study without a report. */
      reportRow: z.number().int().nullable(),
    }),
  ),
  prompts: z.array(z.string()),
});
export type EmbeddingsIndex = z.infer<typeof EmbeddingsIndexSchema>;

export const ProjectionsFileSchema = z.object({
  /** Rows: the images of embeddings.json's studies, then the reports (studies with a report). */
  rows: z.array(z.object({ studyId: z.number().int(), modality: z.enum(['image', 'report']) })),
  methods: z.record(z.string(), z.object({ points: z.array(z.tuple([z.number(), z.number()])) })),
  skipped: z.record(z.string(), z.string()),
});
export type ProjectionsFile = z.infer<typeof ProjectionsFileSchema>;

/** Refuse a folder holding anything other than a previous evaluation's files. */
export function prepareOutputDir(dir: string): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) {
      throw new UserError('INVALID_INPUT', `${dir} is a file; choose a folder for the evaluation's results.`);
    }
    const foreign = fs.readdirSync(dir).filter((name) => !OUR_FILES.has(name));
    if (foreign.length > 0) {
      throw new UserError(
        'INVALID_INPUT',
        `${dir} holds other files (${foreign.slice(0, 3).join(', ')}); choose a new or empty folder for the results (nothing was overwritten).`,
      );
    }
  }
  fs.mkdirSync(dir, { recursive: true });
}

export function writeMetrics(dir: string, metrics: MetricsDocument): void {
  writeFileAtomic(path.join(dir, METRICS_FILE), `${JSON.stringify(metrics, null, 2)}\n`);
}

export interface PredictionLine {
  studyUid: string;
  className: string;
  label: 0 | 1 | null;
  score: number;
  pred: 0 | 1;
}

export function writePredictions(dir: string, lines: readonly PredictionLine[]): void {
  const csv = ['study_id,class,label,score,pred'];
  for (const line of lines) {
    csv.push(
      [csvField(line.studyUid), csvField(line.className), line.label ?? '', line.score.toPrecision(9), line.pred].join(
        ',',
      ),
    );
  }
  writeFileAtomic(path.join(dir, PREDICTIONS_FILE), `${csv.join('\n')}\n`);
}

export function writeEmbeddings(
  dir: string,
  index: EmbeddingsIndex,
  tensors: { image: Float32Array; report: Float32Array; prompt: Float32Array },
): void {
  const dim = index.dim;
  const entry = (data: Float32Array) => ({ dtype: 'F32' as const, shape: [data.length / dim, dim], data });
  writeSafetensors(
    path.join(dir, EMBEDDINGS_FILE),
    new Map([
      ['image', entry(tensors.image)],
      ['report', entry(tensors.report)],
      ['prompt', entry(tensors.prompt)],
    ]),
    new Map([['format', 'ctvlm-embeddings']]),
  );
  writeFileAtomic(path.join(dir, EMBEDDINGS_INDEX_FILE), `${JSON.stringify(index)}\n`);
}

export function writeProjections(dir: string, projections: ProjectionsFile): void {
  writeFileAtomic(path.join(dir, PROJECTIONS_FILE), `${JSON.stringify(projections)}\n`);
}

/** RFC 4180: quote a field holding a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
