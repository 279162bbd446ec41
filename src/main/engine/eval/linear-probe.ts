/**
 * A supervised baseline for comparison, never part of adaptation: a linear probe on frozen image
 * embeddings, i.e. per class a logistic regression p = sigmoid(w·x + b) fitted with binary
 * cross-entropy and an L2 penalty on the labelled training studies. On a 512-d embedding it is
 * MedCT-VLM's multi-label BCE head. Full-batch Adam, seeded initialisation (zeros), deterministic.
 */
import { UserError } from '../../../shared/errors';
import { tf } from '../tf';

export interface ProbeOptions {
  /** L2 penalty on w (not b). */
  l2: number;
  steps: number;
  learningRate: number;
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = { l2: 1e-3, steps: 300, learningRate: 0.05 };

export interface LinearProbe {
  weights: Float32Array;
  bias: number;
}

/** Fit one class's probe on the rows with a label (0 or 1); both labels must occur. */
export async function fitLinearProbe(
  embeddings: Float32Array,
  dim: number,
  labels: ReadonlyArray<0 | 1 | null>,
  options: ProbeOptions = DEFAULT_PROBE_OPTIONS,
): Promise<LinearProbe> {
  const rows = labels.flatMap((label, i) => (label === null ? [] : [i]));
  const positives = rows.filter((i) => labels[i] === 1).length;
  if (positives === 0 || positives === rows.length) {
    throw new UserError(
      'INVALID_INPUT',
      `A linear probe needs training studies of both labels; the training split has ${positives} positive and ${rows.length - positives} negative.`,
    );
  }
  const x = new Float32Array(rows.length * dim);
  rows.forEach((row, r) => x.set(embeddings.subarray(row * dim, (row + 1) * dim), r * dim));
  const inputs = tf.tensor2d(x, [rows.length, dim]);
  const targets = tf.tensor1d(rows.map((row) => labels[row] ?? 0));
  const w = tf.tidy(() => tf.variable(tf.zeros([dim, 1])));
  const b = tf.tidy(() => tf.variable(tf.zeros([1])));
  const optimizer = tf.train.adam(options.learningRate);
  try {
    for (let step = 0; step < options.steps; step += 1) {
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const logits = tf.reshape(tf.add(tf.matMul(inputs, w), b), [-1]);
            const bce = tf.losses.sigmoidCrossEntropy(targets, logits);
            return tf.add<tf.Scalar>(bce, tf.mul(options.l2, tf.sum(tf.square(w))));
          }),
        false,
        [w, b],
      );
      loss?.dispose();
    }
    return { weights: Float32Array.from(await w.data()), bias: (await b.data())[0] ?? 0 };
  } finally {
    optimizer.dispose();
    tf.dispose([inputs, targets, w, b]);
  }
}

/** P(positive) of each row of `embeddings` [n, dim]. */
export function probeScores(embeddings: Float32Array, dim: number, probe: LinearProbe): number[] {
  const n = embeddings.length / dim;
  const scores: number[] = [];
  for (let i = 0; i < n; i += 1) {
    let z = probe.bias;
    for (let d = 0; d < dim; d += 1) z += (embeddings[i * dim + d] ?? 0) * (probe.weights[d] ?? 0);
    scores.push(1 / (1 + Math.exp(-z)));
  }
  return scores;
}
