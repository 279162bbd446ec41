/**
 * Reads an evaluation's saved embeddings to answer the plots: 2-D projections (the job's own
 * projections.json for one evaluation; computed here, jointly, when several runs are compared) and
 * cosine-similarity matrices ordered by a class label.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProjectionPoint, SimilarityMatrix } from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';
import { projectEmbeddings } from '../engine/eval/embeddings/projections';
import { cosineSimilarityMatrix, orderedSimilarity } from '../engine/eval/embeddings/similarity-matrix';
import { readSafetensors } from '../engine/io/safetensors-reader';
import {
  EMBEDDINGS_FILE,
  EMBEDDINGS_INDEX_FILE,
  EmbeddingsIndexSchema,
  PROJECTIONS_FILE,
  ProjectionsFileSchema,
  type EmbeddingsIndex,
} from './evaluation-files';
import { MAX_TSNE_ROWS } from './evaluation-projections';

export const MAX_SIMILARITY_STUDIES = 1000;

export interface SavedEmbeddings {
  index: EmbeddingsIndex;
  image: Float32Array;
  report: Float32Array;
}

export function readSavedEmbeddings(outputDir: string): SavedEmbeddings {
  const indexFile = path.join(outputDir, EMBEDDINGS_INDEX_FILE);
  if (!fs.existsSync(indexFile)) {
    throw new UserError(
      'IO_ERROR',
      `${indexFile} is missing: the evaluation's folder was moved or emptied; run it again.`,
    );
  }
  const index = EmbeddingsIndexSchema.parse(JSON.parse(fs.readFileSync(indexFile, 'utf8')));
  const { tensors } = readSafetensors(path.join(outputDir, EMBEDDINGS_FILE));
  const f32 = (name: string): Float32Array => {
    const tensor = tensors.get(name);
    if (tensor?.dtype !== 'F32')
      throw new UserError('IO_ERROR', `${outputDir}: the embeddings file has no ${name} tensor.`);
    return tensor.data;
  };
  return { index, image: f32('image'), report: f32('report') };
}

export interface EvaluationOutput {
  evaluationId: number;
  outputDir: string;
}

export function projectionPoints(
  evaluations: readonly EvaluationOutput[],
  method: 'pca' | 'tsne' | 'umap',
  seed = 42,
): { points: ProjectionPoint[]; note: string | null } {
  const saved = evaluations.map((evaluation) => ({ ...evaluation, ...readSavedEmbeddings(evaluation.outputDir) }));
  const rows: Array<{ evaluationId: number; modality: 'image' | 'report'; study: EmbeddingsIndex['studies'][number] }> =
    [];
  for (const item of saved) {
    for (const study of item.index.studies) rows.push({ evaluationId: item.evaluationId, modality: 'image', study });
    for (const study of item.index.studies) {
      if (study.reportRow !== null) rows.push({ evaluationId: item.evaluationId, modality: 'report', study });
    }
  }
  const single = saved.length === 1 ? saved[0] : undefined;
  let xy: Float32Array | null = null;
  if (single) {
    const file = path.join(single.outputDir, PROJECTIONS_FILE);
    if (fs.existsSync(file)) {
      const projections = ProjectionsFileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
      const points = projections.methods[method]?.points;
      if (!points) return { points: [], note: projections.skipped[method] ?? `no ${method} projection was computed` };
      xy = Float32Array.from(points.flat());
    }
  }
  if (xy === null) {
    if (method === 'tsne' && rows.length > MAX_TSNE_ROWS) {
      return { points: [], note: `${rows.length} embeddings: too many for t-SNE here; use PCA or UMAP` };
    }
    const dim = saved[0]?.index.dim ?? 0;
    const joint = new Float32Array(rows.length * dim);
    let r = 0;
    for (const item of saved) {
      joint.set(item.image, r * dim);
      r += item.index.studies.length;
      joint.set(item.report, r * dim);
      r += item.report.length / dim;
    }
    xy = projectEmbeddings(joint, rows.length, dim, method, { seed });
  }
  return {
    points: rows.map((row, i) => ({
      x: xy[2 * i] ?? 0,
      y: xy[2 * i + 1] ?? 0,
      evaluationId: row.evaluationId,
      modality: row.modality,
      studyId: row.study.studyId,
      studyUid: row.study.studyUid,
      split: row.study.split,
      labels: row.study.labels,
    })),
    note: null,
  };
}

export function similarityMatrix(
  outputDir: string,
  kind: SimilarityMatrix['kind'],
  orderBy: string | null,
): SimilarityMatrix {
  const { index, image, report } = readSavedEmbeddings(outputDir);
  const dim = index.dim;
  // Rows of the image tensor that take part (every study, or those with a report).
  const imageIndices = index.studies.flatMap((study, i) =>
    kind === 'image-image' || study.reportRow !== null ? [i] : [],
  );
  const studies = imageIndices.map((i) => index.studies[i]!);
  if (studies.length > MAX_SIMILARITY_STUDIES) {
    throw new UserError(
      'INVALID_INPUT',
      `${studies.length} studies: a similarity matrix is drawn for at most ${MAX_SIMILARITY_STUDIES}; evaluate a smaller split or dataset.`,
    );
  }
  const rowsOf = (source: Float32Array, rows: readonly number[]): Float32Array => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((row, i) => out.set(source.subarray(row * dim, (row + 1) * dim), i * dim));
    return out;
  };
  const imageRows = rowsOf(image, imageIndices);
  const otherRows =
    kind === 'image-report'
      ? rowsOf(
          report,
          studies.map((study) => study.reportRow ?? 0),
        )
      : imageRows;
  const labels = studies.map((study) => (orderBy === null ? null : (study.labels[orderBy] ?? null)));
  if (orderBy === null) {
    const values = cosineSimilarityMatrix(imageRows, studies.length, otherRows, studies.length, dim);
    return {
      kind,
      studyIds: studies.map((study) => study.studyId),
      groups: [{ label: 'all', start: 0, end: studies.length }],
      values: Array.from(values),
    };
  }
  const ordered = orderedSimilarity(imageRows, otherRows, studies.length, dim, labels);
  return {
    kind,
    studyIds: ordered.order.map((i) => studies[i]?.studyId ?? -1),
    groups: ordered.groups.map((group) => ({ ...group, label: `${orderBy}=${group.label}` })),
    values: Array.from(ordered.values),
  };
}
