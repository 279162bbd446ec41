/**
 * Zero-shot scores from embeddings (pure arithmetic on read-back Float32Arrays): for each study and
 * class, s_pos and s_neg are the means over the class's prompts of scale · cos(image, prompt) (the
 * references average similarities, not prompt embeddings), and the score is sigmoid(s_pos − s_neg)
 * ("pair": identical to a softmax over (neg, pos)) or sigmoid(s_pos) ("positive-only").
 */
import { BugError } from '../../../shared/errors';
import type { ExpandedClass } from './tasks/resolve-task';

export interface PromptEmbeddings {
  /** Every distinct prompt, in the order of `embeddings`' rows. */
  prompts: readonly string[];
  /** [prompts.length, dim], L2-normalised rows. */
  embeddings: Float32Array;
}

export interface ZeroShotScoreOptions {
  scoring: 'pair' | 'positive-only';
  /** Multiplies cosines (100 for HCC-Merlin; the model's logit scale for CT-CLIP). */
  scale: number;
}

export interface ClassScoresOut {
  name: string;
  /** Per study: P(positive). */
  scores: Float64Array;
  /** Per study: mean scaled similarity to the positive and the negative prompts (NaN when none). */
  positiveSimilarity: Float64Array;
  negativeSimilarity: Float64Array;
}

/** The distinct prompts of all classes, in first-seen order. */
export function taskPrompts(classes: readonly ExpandedClass[]): string[] {
  return [...new Set(classes.flatMap((item) => [...item.positive, ...item.negative]))];
}

export function zeroShotScores(
  images: Float32Array,
  studies: number,
  dim: number,
  classes: readonly ExpandedClass[],
  prompts: PromptEmbeddings,
  options: ZeroShotScoreOptions,
): ClassScoresOut[] {
  if (images.length !== studies * dim || prompts.embeddings.length !== prompts.prompts.length * dim) {
    throw new BugError(
      `Embeddings do not fit: ${images.length} image values for ${studies}x${dim}, ${prompts.embeddings.length} prompt values for ${prompts.prompts.length}x${dim}.`,
    );
  }
  const rowOf = new Map(prompts.prompts.map((prompt, row) => [prompt, row]));
  const rows = (list: readonly string[]): number[] =>
    list.map((prompt) => {
      const row = rowOf.get(prompt);
      if (row === undefined) throw new BugError(`No embedding for the prompt "${prompt}".`);
      return row;
    });
  return classes.map((item) => {
    const positiveRows = rows(item.positive);
    const negativeRows = rows(item.negative);
    const scores = new Float64Array(studies);
    const positiveSimilarity = new Float64Array(studies);
    const negativeSimilarity = new Float64Array(studies);
    for (let study = 0; study < studies; study += 1) {
      const pos = meanSimilarity(images, study, prompts.embeddings, positiveRows, dim) * options.scale;
      const neg =
        negativeRows.length > 0
          ? meanSimilarity(images, study, prompts.embeddings, negativeRows, dim) * options.scale
          : NaN;
      positiveSimilarity[study] = pos;
      negativeSimilarity[study] = neg;
      scores[study] = options.scoring === 'pair' ? sigmoid(pos - neg) : sigmoid(pos);
    }
    return { name: item.name, scores, positiveSimilarity, negativeSimilarity };
  });
}

function meanSimilarity(
  images: Float32Array,
  study: number,
  texts: Float32Array,
  rows: readonly number[],
  dim: number,
): number {
  let total = 0;
  for (const row of rows) {
    let dot = 0;
    for (let d = 0; d < dim; d += 1) dot += (images[study * dim + d] ?? 0) * (texts[row * dim + d] ?? 0);
    total += dot;
  }
  return total / rows.length;
}

/** A sigmoid that stays finite and exact at the extremes (no exp overflow). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
