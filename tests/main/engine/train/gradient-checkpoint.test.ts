/**
 * Gradient checkpointing gives the plain path's gradients (dropout on, training mode, frozen
 * BatchNorm, LoRA with dropout, frozen variables) on the three architectures, leaves BatchNorm's
 * statistics and every random stream where the plain path leaves them, leaks nothing, works under
 * optimizer.computeGradients, costs nothing outside a gradient scope, and lowers a step's peak bytes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CtClip } from '../../../../src/main/engine/models/ctclip/ct-clip';
import { CTCLIP_TINY } from '../../../../src/main/engine/models/ctclip/ctclip-config';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM, type CtVlmConfigInput } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import type { ContrastiveModel } from '../../../../src/main/engine/models/contrastive-model';
import { applyHccMerlinPeft } from '../../../../src/main/engine/models/merlin/hcc-merlin-peft';
import { Merlin } from '../../../../src/main/engine/models/merlin/merlin';
import { MERLIN_TINY, type MerlinConfigInput } from '../../../../src/main/engine/models/merlin/merlin-config';
import { symmetricInfoNce } from '../../../../src/main/engine/losses/info-nce';
import { calibrateBatchNorm } from '../../../../src/main/engine/layers/batch-norm-calibration';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { contrastiveStep } from '../../../../src/main/engine/train/contrastive-step';
import { checkpointed, switchGradientCheckpointing } from '../../../../src/main/engine/train/gradient-checkpoint';
import { Module } from '../../../../src/main/engine/module';
import { reseedRandomness } from '../../../../src/main/engine/train/reseed-randomness';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

/** Every part of CtVlm, dropout on (seeded), small enough for quick CPU steps. */
const CTVLM: CtVlmConfigInput = {
  ...TINY_CTVLM,
  image: { stemChannels: 4, widths: [2, 4, 4, 8], blocks: [1, 2, 1, 1] },
  text: { ...TINY_CTVLM.text, hiddenSize: 16, heads: 2, intermediateSize: 32, maxLength: 24, dropout: 0.1 },
  embedDim: 8,
  seed: 7,
};
const MERLIN: MerlinConfigInput = { ...MERLIN_TINY, text: { ...MERLIN_TINY.text, dropout: 0.1 } };

interface Batch {
  volumes: Tensor;
  ids: Tensor;
  mask: Tensor;
}

/** Two pairs in the workbench layout, the last two tokens of row 1 padded. */
function batchOf(volume: [number, number, number], tokens: number, vocab: number, seed: number): Batch {
  return tf.tidy(() => {
    const padding = Array.from({ length: 2 * tokens }, (_, i) => (i >= 2 * tokens - 2 ? 0 : 1));
    const mask = tf.tensor2d(padding, [2, tokens], 'int32');
    const ids = tf.mul(tf.randomUniform([2, tokens], 1, vocab, 'int32', seed), mask);
    return { volumes: tf.randomUniform([2, ...volume, 1], 0, 1, 'float32', seed + 1), ids, mask };
  });
}

function disposeBatch(batch: Batch): void {
  tf.dispose([batch.volumes, batch.ids, batch.mask]);
}

function lossOf(model: ContrastiveModel, batch: Batch): tf.Scalar {
  return symmetricInfoNce(
    model.encodeVolumes(batch.volumes),
    model.encodeText(batch.ids, batch.mask),
    model.logitScale(),
  );
}

interface StepResult {
  loss: number;
  gradients: Map<string, Float32Array>;
  /** Kernels the step ran: the recompute adds one more forward of each checkpointed block. */
  kernels: number;
}

/** One step's loss and gradients by parameter name, with checkpointing on or off, masks seeded as a run seeds them. */
async function gradientsOf(model: ContrastiveModel, batch: Batch, checkpointing: boolean): Promise<StepResult> {
  model.setGradientCheckpointing(checkpointing);
  reseedRandomness(model, 5, 3);
  const named = model.namedParameters().filter(([, variable]) => variable.trainable);
  let step: ReturnType<typeof tf.variableGrads> | null = null;
  const profile = await tf.profile(() => {
    step = tf.variableGrads(
      () => lossOf(model, batch),
      named.map(([, variable]) => variable),
    );
  });
  const { value, grads } = step ?? tf.variableGrads(() => tf.scalar(NaN));
  const gradients = new Map<string, Float32Array>();
  for (const [name, variable] of named) {
    const gradient = grads[variable.name];
    if (gradient) gradients.set(name, (await gradient.data()) as Float32Array);
  }
  const loss = (await value.data())[0] ?? NaN;
  tf.dispose([value, ...Object.values(grads)]);
  model.setGradientCheckpointing(false);
  return { loss, gradients, kernels: profile.kernels.length };
}

/** The largest |a - b| over all gradients, relative to the largest |a| (at least 1e-3). */
function relativeDifference(a: StepResult, b: StepResult): number {
  expect([...b.gradients.keys()].sort()).toEqual([...a.gradients.keys()].sort());
  let scale = 1e-3;
  let diff = 0;
  for (const [name, plain] of a.gradients) {
    const other = b.gradients.get(name) ?? new Float32Array();
    expect(other.length, name).toBe(plain.length);
    for (let i = 0; i < plain.length; i += 1) {
      scale = Math.max(scale, Math.abs(plain[i] ?? 0));
      diff = Math.max(diff, Math.abs((plain[i] ?? 0) - (other[i] ?? 0)));
    }
  }
  return diff / scale;
}

/** Every buffer (BatchNorm statistics) by name, as numbers. */
function buffers(model: ContrastiveModel): Map<string, number[]> {
  return new Map(model.namedBuffers().map(([name, value]) => [name, Array.from(value.dataSync())]));
}

/** A second forward in training mode without reseeding: equal only if the random streams stand where they stood. */
function nextDraw(model: ContrastiveModel, batch: Batch): number[] {
  return tf.tidy(() => Array.from(model.encodeText(batch.ids, batch.mask).dataSync()));
}

/** `stacks`: the block loops the model's switch reaches (image and text towers). */
async function expectSameAsPlain(model: ContrastiveModel, batch: Batch, stacks: number): Promise<StepResult> {
  expect(switchGradientCheckpointing(model, false)).toBe(stacks);
  const plain = await gradientsOf(model, batch, false);
  const plainDraw = nextDraw(model, batch);
  const plainBuffers = buffers(model);
  const checkpointed = await expectNoTensorLeak(() => gradientsOf(model, batch, true));
  expect(checkpointed.loss).toBe(plain.loss); // the forward is the same computation
  expect(checkpointed.kernels).toBeGreaterThan(plain.kernels * 1.2); // the blocks did run again in the backward
  expect(relativeDifference(plain, checkpointed)).toBeLessThanOrEqual(1e-5);
  expect(nextDraw(model, batch)).toEqual(plainDraw); // the recompute did not advance any mask stream
  expect(buffers(model)).toEqual(plainBuffers);
  return plain;
}

/** y = tanh(x · w) with a frozen offset; `failOnCall` makes that call of the forward throw. */
class ToyBlock extends Module {
  readonly w: tf.Variable;
  readonly frozen: tf.Variable;
  calls = 0;
  failOnCall = 0;

  constructor() {
    super();
    this.w = this.registerParameter('w', tf.tensor2d([0.5, -0.25, 0.75, 1, -1, 0.5], [3, 2]));
    this.frozen = this.registerParameter('frozen', tf.tensor1d([0.1, -0.2]), false);
  }

  apply(x: Tensor): Tensor {
    this.calls += 1;
    return tf.tidy(() => {
      const y = tf.tanh(tf.add(tf.matMul(x, this.w), this.frozen));
      if (this.calls === this.failOnCall) throw new Error('simulated failure'); // after saving activations
      return y;
    });
  }
}

function maxDifference(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? NaN);
}

describe('checkpointed on a small block', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the analytic gradients for the input and the weight, and none for the frozen variable', async () => {
    const block = new ToyBlock();
    const x0 = tf.tensor2d([1, 2, -1, 0.5, -0.5, 2], [2, 3]);
    const x = tf.variable(x0);
    x0.dispose();
    await expectNoTensorLeak(() => {
      // Σ tanh(u), u = (2x)·w + b: dL/dw = (2x)ᵀ(1 - tanh²u), dL/dx = 2 (1 - tanh²u) wᵀ.
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(checkpointed(block, [tf.mul(x, 2)], (input) => block.apply(input))),
      );
      const slope = (): Tensor => tf.sub(1, tf.square(tf.tanh(tf.add(tf.matMul(tf.mul(x, 2), block.w), block.frozen))));
      const dw = tf.tidy(() => tf.matMul(tf.mul(x, 2), slope(), true, false));
      const dx = tf.tidy(() => tf.mul(tf.matMul(slope(), block.w, false, true), 2));
      expect(Object.keys(grads).sort()).toEqual([block.w.name, x.name].sort());
      expect(maxDifference(grads[block.w.name]!, dw)).toBeLessThan(1e-6);
      expect(maxDifference(grads[x.name]!, dx)).toBeLessThan(1e-6);
      expect(block.calls).toBe(2); // the forward, then the recompute in the backward
      tf.dispose([value, dw, dx, ...Object.values(grads)]);
    });
    x.dispose();
    block.dispose();
  });

  it('passes the gradient through a block that returns its input unchanged', async () => {
    const block = new ToyBlock();
    const x = tf.variable(tf.zeros([1, 3]));
    await expectNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.sum(
            tf.mul(
              checkpointed(block, [tf.add(x, 1)], (input) => input),
              3,
            ),
          ),
        [x],
      );
      expect(Array.from(grads[x.name]!.dataSync())).toEqual([3, 3, 3]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    x.dispose();
    block.dispose();
  });

  it('leaves nothing of its own behind when the recompute in the backward throws', async () => {
    const block = new ToyBlock();
    block.failOnCall = 2;
    const x = tf.tensor2d([1, 2, -1], [1, 3]);
    await expectNoTensorLeak(() => {
      expect(() =>
        tf.variableGrads(() => tf.sum(tf.square(checkpointed(block, [x], (input) => block.apply(input))))),
      ).toThrow(/simulated failure/);
      // tfjs leaves a failed computation's own tape (the square's saved tensors, the forward's result) alive: free it.
      const state = tf.engine().state;
      for (const node of state.activeTape) tf.dispose([...(node.saved ?? []), ...node.outputs]);
      state.activeTape = [];
    });
    x.dispose();
    block.dispose();
  });
});

describe('gradient checkpointing', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives CtVlm the plain gradients: dropout on, BatchNorm in training mode, every parameter training', async () => {
    const model = new CtVlm(CTVLM).train();
    const batch = batchOf([8, 16, 16], 10, CTVLM.text.vocabSize, 3);
    const plain = await expectSameAsPlain(model, batch, 2); // I3ResNet, BERT
    expect(plain.gradients.size).toBe(model.trainableParameters().length);
    disposeBatch(batch);
    model.dispose();
  });

  it('gives HCC-Merlin PEFT the plain gradients: ConvLoRA, LoRA dropout, Longformer dropout, frozen backbone', async () => {
    const model = new Merlin(MERLIN);
    applyHccMerlinPeft(model, 7);
    model.train();
    // LoRA B starts at zero, which would hide A's gradient: give the adapters values.
    for (const [name, variable] of model.namedParameters()) {
      if (name.includes('lora_B')) variable.assign(tf.randomNormal(variable.shape, 0, 0.1, 'float32', name.length));
    }
    const batch = batchOf([8, 16, 16], 10, MERLIN.text.vocabSize, 5);
    const plain = await expectSameAsPlain(model, batch, 2); // I3ResNet, Longformer
    const trainable = model.namedParameters().filter(([, v]) => v.trainable);
    expect(plain.gradients.size).toBe(trainable.length);
    expect(trainable.some(([name]) => name.includes('.layer1.0.conv1.lora_A'))).toBe(true);
    disposeBatch(batch);
    model.dispose();
  });

  it('gives CT-CLIP the plain gradients (CTViT layers with the trainable position bias, CXR-BERT with dropout)', async () => {
    const model = new CtClip(CTCLIP_TINY).train();
    const batch = batchOf([4, 12, 12], 8, CTCLIP_TINY.text.vocabSize, 7);
    const plain = await expectSameAsPlain(model, batch, 3); // CTViT's two stacks, CXR-BERT
    expect([...plain.gradients.keys()].some((name) => name.startsWith('visual_transformer.spatial_rel_pos_bias'))).toBe(
      true,
    );
    disposeBatch(batch);
    model.dispose();
  });

  it('replays each call of a block called twice in one step with its own masks, and leaves the streams after the last', async () => {
    const model = new CtVlm(CTVLM).train();
    const batch = batchOf([8, 16, 16], 10, CTVLM.text.vocabSize, 17);
    const twice = (on: boolean): { gradients: number[][]; draw: number[] } => {
      model.setGradientCheckpointing(on);
      reseedRandomness(model, 4, 0);
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(tf.mul(model.encodeText(batch.ids, batch.mask), tf.square(model.encodeText(batch.ids, batch.mask)))),
      );
      const gradients = Object.values(grads).map((g) => Array.from(g.dataSync()));
      tf.dispose([value, ...Object.values(grads)]);
      model.setGradientCheckpointing(false);
      return { gradients, draw: nextDraw(model, batch) };
    };
    const plain = twice(false);
    const checkpointed = await expectNoTensorLeak(() => twice(true));
    expect(checkpointed.draw).toEqual(plain.draw);
    const diff = Math.max(
      ...plain.gradients.flatMap((g, i) =>
        g.map((value, j) => Math.abs(value - (checkpointed.gradients[i]?.[j] ?? NaN))),
      ),
    );
    expect(diff).toBeLessThanOrEqual(1e-5);
    disposeBatch(batch);
    model.dispose();
  });

  it('trains with optimizer.computeGradients inside tf.tidy as the plain path does', async () => {
    const batch = batchOf([8, 16, 16], 10, CTVLM.text.vocabSize, 9);
    const weights: Array<Map<string, number[]>> = [];
    for (const checkpointing of [false, true]) {
      const model = new CtVlm(CTVLM).train();
      model.setGradientCheckpointing(checkpointing);
      const optimizer = tf.train.sgd(0.1);
      await expectNoTensorLeak(async () => {
        for (let step = 0; step < 2; step += 1) {
          reseedRandomness(model, 1, step);
          await contrastiveStep(model, optimizer, batch);
        }
      });
      weights.push(new Map(model.namedParameters().map(([name, v]) => [name, Array.from(v.dataSync())])));
      optimizer.dispose();
      model.dispose();
    }
    disposeBatch(batch);
    const [plain, checkpointed] = weights as [Map<string, number[]>, Map<string, number[]>];
    for (const [name, values] of plain) {
      const other = checkpointed.get(name) ?? [];
      const diff = Math.max(...values.map((value, i) => Math.abs(value - (other[i] ?? NaN))));
      expect(diff, name).toBeLessThanOrEqual(1e-5);
    }
  });

  it('runs the plain forward outside a gradient scope (same output, same kernels, nothing kept)', async () => {
    const model = new CtVlm(CTVLM).train();
    const batch = batchOf([8, 16, 16], 10, CTVLM.text.vocabSize, 11);
    const run = async (on: boolean): Promise<{ values: number[]; kernels: number; newBytes: number }> => {
      model.setGradientCheckpointing(on);
      reseedRandomness(model, 2, 0);
      let values: number[] = [];
      const profile = await tf.profile(() => {
        const loss = tf.tidy(() => lossOf(model, batch));
        values = Array.from(loss.dataSync());
        loss.dispose();
      });
      return { values, kernels: profile.kernels.length, newBytes: profile.newBytes };
    };
    const plain = await run(false);
    const checkpointed = await expectNoTensorLeak(() => run(true));
    expect(checkpointed.values).toEqual(plain.values);
    expect(checkpointed.kernels).toBe(plain.kernels);
    expect(checkpointed.newBytes).toBe(0);
    disposeBatch(batch);
    model.dispose();
  });

  it('leaves BatchNorm calibration (which writes the running statistics) to the plain path', async () => {
    const batch = batchOf([8, 16, 16], 10, CTVLM.text.vocabSize, 13);
    const stats: Array<Map<string, number[]>> = [];
    let initial = new Map<string, number[]>();
    for (const checkpointing of [false, true]) {
      const model = new CtVlm(CTVLM).train();
      initial = buffers(model);
      model.setGradientCheckpointing(checkpointing);
      await expectNoTensorLeak(() =>
        calibrateBatchNorm(model, () => {
          const { value, grads } = tf.variableGrads(() => lossOf(model, batch));
          tf.dispose([value, ...Object.values(grads)]);
        }),
      );
      stats.push(buffers(model));
      model.dispose();
    }
    expect(stats[0]).not.toEqual(initial); // calibration did write them
    expect(stats[1]).toEqual(stats[0]);
    disposeBatch(batch);
  });

  it('lowers the peak bytes of a step on a deep config (CPU numbers in the log)', async () => {
    const config: CtVlmConfigInput = {
      ...CTVLM,
      image: { stemChannels: 8, widths: [4, 8, 8, 8], blocks: [3, 3, 3, 3] },
      text: { ...CTVLM.text, layers: 6 },
    };
    const model = new CtVlm(config).train();
    const batch = batchOf([16, 32, 32], 24, config.text.vocabSize, 15);
    const peak = async (on: boolean): Promise<number> => {
      model.setGradientCheckpointing(on);
      reseedRandomness(model, 1, 0);
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => lossOf(model, batch));
        tf.dispose([value, ...Object.values(grads)]);
      });
      return profile.peakBytes - tf.memory().numBytes;
    };
    const plain = await peak(false);
    const checkpointed = await expectNoTensorLeak(() => peak(true));
    console.info(
      `[gradient-checkpoint] deep CtVlm (2, 16x32x32), 24 tokens, cpu: step peak above the weights ${(plain / 2 ** 20).toFixed(2)} MiB plain, ${(checkpointed / 2 ** 20).toFixed(2)} MiB checkpointed`,
    );
    expect(checkpointed).toBeLessThan(plain * 0.6);
    disposeBatch(batch);
    model.dispose();
  });
});
