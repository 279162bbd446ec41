/**
 * A run's validation after each epoch, on the validation split: the contrastive loss over the same
 * batch size as training (full reports, as HCC-Merlin validates), and, with a validation task, the
 * zero-shot metrics of the evaluation code (F1 picks the best checkpoint and drives early stopping).
 * Labels are read here only, to score; training never sees them.
 */
import type { RunConfig } from '../../shared/api/run-schemas';
import { encodeTexts } from '../engine/eval/encode-batches';
import { resolveBootstrapSettings } from '../engine/eval/metrics/bootstrap';
import type { ResolvedTask } from '../engine/eval/tasks/resolve-task';
import { taskPrompts } from '../engine/eval/zero-shot-scores';
import { symmetricInfoNce } from '../engine/losses/info-nce';
import type { ContrastiveModel } from '../engine/models/contrastive-model';
import { tf } from '../engine/tf';
import { headlineOf } from '../evaluation/headline';
import { zeroShotReport } from '../evaluation/zero-shot-report';
import type { EvaluationStudy } from '../store/repositories/evaluation-study-repository';
import type { TextTokenizer } from '../text/tokenizer';
import type { ImageInputs } from './training-inputs';

export interface ValidationResult {
  loss: number | null;
  f1: number | null;
  auroc: number | null;
  accuracy: number | null;
}

export async function validate(options: {
  model: ContrastiveModel;
  tokenizer: TextTokenizer;
  inputs: ImageInputs;
  studies: readonly EvaluationStudy[];
  texts: readonly string[];
  task: ResolvedTask | null;
  config: RunConfig;
  throwIfCancelled: () => void;
}): Promise<ValidationResult> {
  const { model, studies, config } = options;
  if (studies.length === 0) return { loss: null, f1: null, auroc: null, accuracy: null };
  const dim = model.embedDim;
  model.eval();
  try {
    const images = new Float32Array(studies.length * dim);
    for (let start = 0; start < studies.length; start += config.batchSize) {
      options.throwIfCancelled();
      const batch = await options.inputs.prepare(studies.slice(start, start + config.batchSize), null);
      try {
        const embedding = batch.embed();
        images.set(await embedding.data(), start * dim);
        embedding.dispose();
      } finally {
        batch.dispose();
      }
    }
    const texts = await encodeTexts(model, options.tokenizer, options.texts);
    const loss = await validationLoss(model, images, texts, studies.length, dim, config.batchSize);
    if (!options.task) return { loss, f1: null, auroc: null, accuracy: null };

    const { task, classes } = options.task;
    const prompts = taskPrompts(classes);
    const promptEmbeddings = await encodeTexts(model, options.tokenizer, prompts);
    let scale = typeof task.scale === 'number' ? task.scale : NaN;
    if (task.scale === 'model') {
      const logitScale = model.logitScale();
      scale = (await logitScale.data())[0] ?? NaN;
      logitScale.dispose();
    }
    const bootstrap = resolveBootstrapSettings({ resamples: config.validationResamples, seed: config.seed });
    const { report, classInputs, predictions } = zeroShotReport({
      images,
      labels: studies.map((study) => study.labels),
      dim,
      classes,
      prompts: { prompts, embeddings: promptEmbeddings },
      scoring: { scoring: task.scoring, scale },
      rule: task.threshold,
      bootstrap,
    });
    const headline = headlineOf(report, classInputs, predictions, null, bootstrap);
    return {
      loss,
      f1: headline.f1.estimate,
      auroc: headline.auroc.estimate,
      accuracy: headline.accuracy.estimate,
    };
  } finally {
    model.train();
  }
}

/** Mean InfoNCE over consecutive batches of `batchSize` pairs (a last batch of one pair is skipped). */
async function validationLoss(
  model: ContrastiveModel,
  images: Float32Array,
  texts: Float32Array,
  count: number,
  dim: number,
  batchSize: number,
): Promise<number | null> {
  let total = 0;
  let pairs = 0;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    if (size < 2) continue;
    const loss = tf.tidy(() =>
      symmetricInfoNce(
        tf.tensor2d(images.subarray(start * dim, (start + size) * dim), [size, dim]),
        tf.tensor2d(texts.subarray(start * dim, (start + size) * dim), [size, dim]),
        model.logitScale(),
      ),
    );
    total += ((await loss.data())[0] ?? NaN) * size;
    pairs += size;
    loss.dispose();
  }
  return pairs > 0 ? total / pairs : null;
}
