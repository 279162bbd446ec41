/**
 * Evaluation costs: metrics with 1000 bootstrap resamples at CT-RATE scale (18 classes, 1,000
 * studies), retrieval with CIs, the three projections, a similarity matrix, the Grad-CAM map of the
 * tiny model, and carrying a map back onto a 512x512x300 CT grid.
 */
import { projectEmbeddings } from '../src/main/engine/eval/embeddings/projections';
import { cosineSimilarityMatrix } from '../src/main/engine/eval/embeddings/similarity-matrix';
import { gradCam } from '../src/main/engine/eval/gradcam';
import { classificationReport } from '../src/main/engine/eval/metrics/classification-report';
import { CtVlm } from '../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM } from '../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../src/main/engine/tf';
import { retrievalReport } from '../src/main/evaluation/retrieval-report';
import { featureMapToGrid } from '../src/main/volumes/feature-map-to-grid';
import { SeededRandom } from '../src/shared/seeded-random';
import { time, type Measurement } from './bench-utils';

function randomEmbeddings(n: number, dim: number, random: SeededRandom): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i += 1) out[i] = random.normal();
  for (let row = 0; row < n; row += 1) {
    let norm = 0;
    for (let d = 0; d < dim; d += 1) norm += (out[row * dim + d] ?? 0) ** 2;
    for (let d = 0; d < dim; d += 1) out[row * dim + d] = (out[row * dim + d] ?? 0) / Math.sqrt(norm);
  }
  return out;
}

export async function runEvalBench(): Promise<Measurement[]> {
  const random = new SeededRandom(1);
  const measurements: Measurement[] = [];

  const n = 1000;
  const classes = Array.from({ length: 18 }, (_, c) => {
    const labels = Array.from({ length: n }, () => (random.next() < 0.2 ? 1 : 0));
    return { name: `class${c}`, labels, scores: labels.map((l) => 1 / (1 + Math.exp(-(l + random.normal())))) };
  });
  const report = await time(() => classificationReport(classes, { kind: 'closest-to-corner' }, { resamples: 1000 }));
  measurements.push({
    name: 'classification report, 18 classes x 1000 studies, 1000 resamples',
    value: report.ms,
    unit: 'ms',
    target: '<= 5000 ms',
  });

  const dim = 512;
  const images = randomEmbeddings(n, dim, random);
  const reports = randomEmbeddings(n, dim, random);
  const retrieval = await time(() =>
    retrievalReport(images, reports, n, dim, 64, { resamples: 1000, seed: 42, level: 0.95 }),
  );
  measurements.push({
    name: 'retrieval with CIs, 1000 pairs x 512-d (whole + pools of 64)',
    value: retrieval.ms,
    unit: 'ms',
  });

  const joint = new Float32Array(2 * 500 * dim);
  joint.set(images.subarray(0, 500 * dim));
  joint.set(reports.subarray(0, 500 * dim), 500 * dim);
  for (const method of ['pca', 'umap', 'tsne'] as const) {
    const projected = await time(() => projectEmbeddings(joint, 1000, dim, method, { seed: 42 }));
    measurements.push({ name: `${method} projection, 1000 embeddings x 512-d`, value: projected.ms, unit: 'ms' });
  }
  const similarity = await time(() => cosineSimilarityMatrix(images, n, reports, n, dim));
  measurements.push({ name: 'cosine similarity matrix 1000 x 1000 x 512-d', value: similarity.ms, unit: 'ms' });

  await tf.setBackend('cpu');
  const model = new CtVlm(TINY_CTVLM);
  model.eval();
  const volume = new Float32Array(64 * 64 * 32).map(() => random.next());
  const text = randomEmbeddings(1, model.config.embedDim, random);
  await gradCam(model, volume, [64, 64, 32], text); // warm-up
  const cam = await time(() => gradCam(model, volume, [64, 64, 32], text));
  measurements.push({ name: 'Grad-CAM, tiny model, 64x64x32 input (cpu backend)', value: cam.ms, unit: 'ms' });
  model.dispose();

  const ctGrid = {
    dims: [512, 512, 300] as const,
    affine: [0.7, 0, 0, -179, 0, 0.7, 0, -179, 0, 0, 1, -150, 0, 0, 0, 1],
  };
  const input = {
    dims: [224, 224, 160] as const,
    affine: [1.5, 0, 0, -167, 0, 1.5, 0, -167, 0, 0, 1.875, -150, 0, 0, 0, 1],
  };
  const map = { values: new Float32Array(7 * 7 * 10).map(() => random.next()), dims: [7, 7, 10] as const };
  const upsampled = await time(() => featureMapToGrid(map, input, ctGrid));
  measurements.push({
    name: 'Merlin-size Grad-CAM map (7x7x10) onto a 512x512x300 CT grid',
    value: upsampled.ms,
    unit: 'ms',
    target: '<= 3000 ms',
  });
  return measurements;
}
