import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { tf, type Variable } from '../../../../src/main/engine/tf';
import {
  accumulatedGradients,
  disposeGradients,
  type MicroBatch,
  type StepGradients,
} from '../../../../src/main/engine/train/accumulated-gradients';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

/** Four items (x: 3 features, y: 2 targets). */
const XS = [
  [0.5, -1.0, 2.0],
  [1.5, 0.25, -0.5],
  [-0.75, 1.0, 0.3],
  [2.0, -2.0, 1.0],
];
const YS = [
  [1.0, -0.5],
  [0.0, 2.0],
  [-1.0, 0.5],
  [3.0, 1.0],
];

const live: Variable[] = [];
afterEach(() => {
  for (const variable of live.splice(0)) variable.dispose();
});

function variable(values: number[], shape: number[]): Variable {
  const created = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32')));
  live.push(created);
  return created;
}

function model(): { weight: Variable; bias: Variable; parameters: Array<{ name: string; variable: Variable }> } {
  const weight = variable([0.3, -0.2, 0.5, 0.1, 0.4, -0.6], [2, 3]);
  const bias = variable([0.05, -0.1], [2]);
  return {
    weight,
    bias,
    parameters: [
      { name: 'weight', variable: weight },
      { name: 'bias', variable: bias },
    ],
  };
}

/** Mean over the items of a non-linear per-item loss: sum((tanh(W x + b) · 2 − y)²). */
function meanLoss(weight: Variable, bias: Variable, items: readonly number[]): tf.Scalar {
  const x = tf.tensor2d(items.map((i) => XS[i]!));
  const y = tf.tensor2d(items.map((i) => YS[i]!));
  const prediction = tf.mul(tf.tanh(tf.add(tf.matMul(x, weight, false, true), bias)), 2);
  return tf.mean(tf.sum(tf.square(tf.sub(prediction, y)), 1));
}

function batchOf(weight: Variable, bias: Variable, items: readonly number[]): MicroBatch {
  return { size: items.length, loss: () => meanLoss(weight, bias, items) };
}

/** The step's gradients as the optimizer applies them: the tensors times gradientScale. */
async function valuesOf(step: StepGradients): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, gradient] of step.gradients) {
    out[name] = Array.from(await gradient.data(), (value) => value * step.gradientScale);
  }
  return out;
}

function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((value, i) => expect(Math.abs(value - expected[i]!), `${what}[${i}]`).toBeLessThan(tolerance));
}

function globalNorm(gradients: Record<string, number[]>): number {
  return Math.sqrt(
    Object.values(gradients)
      .flat()
      .reduce((sum, value) => sum + value * value, 0),
  );
}

/** The loss and gradients of the one big batch's mean loss, straight from tf.variableGrads. */
async function wholeBatch(
  weight: Variable,
  bias: Variable,
): Promise<{ loss: number; grads: Record<string, number[]> }> {
  const { value, grads } = tf.variableGrads(() => meanLoss(weight, bias, [0, 1, 2, 3]), [weight, bias]);
  const result = {
    loss: (await value.data())[0]!,
    grads: { weight: Array.from(await grads[weight.name]!.data()), bias: Array.from(await grads[bias.name]!.data()) },
  };
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

describe('accumulatedGradients', () => {
  it('weights micro-batches of 3 and 1 items as the mean over the 4 items', async () => {
    const { weight, bias, parameters } = model();
    const expected = await wholeBatch(weight, bias);
    const step = await accumulatedGradients(
      parameters,
      [batchOf(weight, bias, [0, 1, 2]), batchOf(weight, bias, [3])],
      null,
    );
    try {
      expect(Math.abs(step.loss - expected.loss)).toBeLessThan(1e-5 * Math.max(1, expected.loss));
      const got = await valuesOf(step);
      expect(Object.keys(got).sort()).toEqual(['bias', 'weight']);
      expectClose(got['weight']!, expected.grads['weight']!, 1e-5, 'weight');
      expectClose(got['bias']!, expected.grads['bias']!, 1e-5, 'bias');
      expect(Math.abs(step.norm - globalNorm(expected.grads))).toBeLessThan(1e-5);

      // Equal weights for the two micro-batches would give something else: the test can tell.
      const halves = tf.variableGrads(
        () => tf.add(tf.mul(meanLoss(weight, bias, [0, 1, 2]), 0.5), tf.mul(meanLoss(weight, bias, [3]), 0.5)),
        [weight, bias],
      );
      const halfWeight = Array.from(await halves.grads[weight.name]!.data());
      tf.dispose([halves.value, ...Object.values(halves.grads)]);
      const gap = Math.max(...halfWeight.map((value, i) => Math.abs(value - got['weight']![i]!)));
      expect(gap).toBeGreaterThan(1e-3);
    } finally {
      disposeGradients(step.gradients);
    }
  });

  it('leaves no tensor behind once the caller disposes the gradients', async () => {
    const { weight, bias, parameters } = model();
    await expectNoTensorLeak(async () => {
      const step = await accumulatedGradients(
        parameters,
        [batchOf(weight, bias, [0, 1]), batchOf(weight, bias, [2, 3])],
        0.01,
      );
      expect(step.gradients.size).toBe(2);
      disposeGradients(step.gradients);
      expect(step.gradients.size).toBe(0);
    });
  });

  it('stops with TRAINING_DIVERGED on a NaN loss in the second micro-batch, leaking nothing', async () => {
    const { weight, bias, parameters } = model();
    const before = [Array.from(weight.dataSync()), Array.from(bias.dataSync())];
    const poisoned: MicroBatch = {
      size: 1,
      loss: () => tf.add(meanLoss(weight, bias, [3]), tf.scalar(NaN)),
    };
    await expectNoTensorLeak(async () => {
      const error = await accumulatedGradients(parameters, [batchOf(weight, bias, [0, 1, 2]), poisoned], 1).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('TRAINING_DIVERGED');
      expect((error as UserError).message).toMatch(/the contrastive loss is NaN/);
    });
    expect([Array.from(weight.dataSync()), Array.from(bias.dataSync())]).toEqual(before);
  });

  it('stops with TRAINING_DIVERGED when the loss is finite but a gradient is not', async () => {
    const { weight, bias, parameters } = model();
    const atZero = variable([0, 0], [2]);
    const all = [...parameters, { name: 'at_zero', variable: atZero }];
    // sqrt at 0: the loss is finite, its gradient infinite.
    const batch: MicroBatch = { size: 2, loss: () => tf.add(meanLoss(weight, bias, [0, 1]), tf.sum(tf.sqrt(atZero))) };
    await expectNoTensorLeak(async () => {
      const error = await accumulatedGradients(all, [batch], null).catch((e: unknown) => e);
      expect((error as UserError).code).toBe('TRAINING_DIVERGED');
      expect((error as UserError).message).toMatch(/the gradient norm is (Infinity|NaN)/);
    });
  });

  it('clips the global gradient norm to clipNorm, keeping the direction, and reports the norm before clipping', async () => {
    const { weight, bias, parameters } = model();
    const batches = (): MicroBatch[] => [batchOf(weight, bias, [0, 1, 2]), batchOf(weight, bias, [3])];
    const free = await accumulatedGradients(parameters, batches(), null);
    const unclipped = await valuesOf(free);
    disposeGradients(free.gradients);
    const norm = globalNorm(unclipped);
    expect(Math.abs(free.norm - norm)).toBeLessThan(1e-5 * norm);
    expect(norm).toBeGreaterThan(0.1);

    const clipNorm = norm / 4;
    const clipped = await accumulatedGradients(parameters, batches(), clipNorm);
    // Clipping is a factor for the optimizer, not a multiply of every gradient.
    expect(clipped.gradientScale).toBeCloseTo(1 / 4, 6);
    expect(Array.from(await clipped.gradients.get('weight')!.data())).toEqual(unclipped['weight']);
    const values = await valuesOf(clipped);
    disposeGradients(clipped.gradients);
    expect(Math.abs(globalNorm(values) - clipNorm)).toBeLessThan(1e-5 * clipNorm);
    expect(Math.abs(clipped.norm - norm)).toBeLessThan(1e-5 * norm);
    expect(Math.abs(clipped.loss - free.loss)).toBeLessThan(1e-7);
    for (const name of ['weight', 'bias']) {
      expectClose(
        values[name]!,
        unclipped[name]!.map((value) => value / 4),
        1e-6,
        name,
      );
    }

    // Below the limit nothing changes.
    const loose = await accumulatedGradients(parameters, batches(), norm * 2);
    const untouched = await valuesOf(loose);
    disposeGradients(loose.gradients);
    expect(untouched).toEqual(unclipped);
  });

  it('with a power-of-two loss scale gives exactly the unscaled loss, gradients and norm', async () => {
    const { weight, bias, parameters } = model();
    const batches = (): MicroBatch[] => [batchOf(weight, bias, [0, 1, 2]), batchOf(weight, bias, [3])];
    const plain = await accumulatedGradients(parameters, batches(), null);
    const scaled = await accumulatedGradients(parameters, batches(), null, { lossScale: 2 ** 16 });
    try {
      expect(scaled.finite).toBe(true);
      expect(scaled.loss).toBe(plain.loss);
      expect(scaled.norm).toBe(plain.norm);
      expect(await valuesOf(scaled)).toEqual(await valuesOf(plain));
    } finally {
      disposeGradients(plain.gradients);
      disposeGradients(scaled.gradients);
    }
  });

  it('with a loss scale, a non-finite gradient norm (an overflow) comes back as not finite with no gradients, where without one it throws', async () => {
    const { weight, bias, parameters } = model();
    // A finite loss whose gradients overflow float32 once scaled by 2^16 (and whose squared norm overflows unscaled).
    const steep = (): MicroBatch => ({
      size: 4,
      loss: () => tf.add(meanLoss(weight, bias, [0, 1, 2, 3]), tf.mul(tf.sum(bias), 1e34)),
    });
    await expectNoTensorLeak(async () => {
      const step = await accumulatedGradients(parameters, [steep()], null, { lossScale: 2 ** 16 });
      expect(step.finite).toBe(false);
      expect(Number.isFinite(step.norm)).toBe(false);
      expect(step.gradients.size).toBe(0);
      expect(Number.isFinite(step.loss)).toBe(true);
      const error = await accumulatedGradients(parameters, [steep()], null).catch((e: unknown) => e);
      expect((error as UserError).code).toBe('TRAINING_DIVERGED');
    });
  });
});
