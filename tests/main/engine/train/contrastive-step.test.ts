import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { applyLora } from '../../../../src/main/engine/lora/apply-lora';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM, type CtVlmConfigInput } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../../../../src/main/engine/tf';
import { contrastiveStep, type ContrastiveBatch } from '../../../../src/main/engine/train/contrastive-step';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

/** Every part of the architecture, small enough for quick CPU steps; dropout on (seeded). */
const TEST_MODEL: CtVlmConfigInput = {
  ...TINY_CTVLM,
  image: { stemChannels: 4, widths: [2, 4, 4, 8], blocks: [1, 2, 1, 1] },
  text: { ...TINY_CTVLM.text, hiddenSize: 16, heads: 2, intermediateSize: 32, maxLength: 24, dropout: 0.1 },
  embedDim: 8,
  seed: 7,
};
const VOLUME: [number, number, number, number, number] = [2, 16, 24, 24, 1]; // N, D, H, W, C
const TOKENS = 12;
const HCC_TEXT_TARGETS = /encode_text\.text_encoder\.encoder\.layer\.\d+\.attention\.self\.(query|key|value)/;

/** A reproducible batch: uniform volumes, random token ids, the last 3 tokens of row 1 padded. */
function seededBatch(seed: number): ContrastiveBatch {
  return tf.tidy(() => {
    const [batch] = VOLUME;
    const vocab = TEST_MODEL.text.vocabSize;
    const padding = Array.from({ length: batch * TOKENS }, (_, i) => (i >= 2 * TOKENS - 3 ? 0 : 1));
    const mask = tf.tensor2d(padding, [batch, TOKENS], 'int32');
    const ids = tf.mul(tf.randomUniform([batch, TOKENS], 1, vocab, 'int32', seed), mask);
    return { volumes: tf.randomUniform(VOLUME, 0, 1, 'float32', seed + 1), ids, mask };
  });
}

function disposeBatch(batch: ContrastiveBatch): void {
  tf.dispose([batch.volumes, batch.ids, batch.mask]);
}

/** Each parameter's bytes, by dotted name: "bit-identical" means these are equal. */
function snapshot(model: CtVlm, which: (name: string, variable: tf.Variable) => boolean = () => true) {
  return new Map(
    model
      .namedParameters()
      .filter(([name, variable]) => which(name, variable))
      .map(([name, variable]) => [name, new Uint8Array(variable.dataSync().slice().buffer)] as const),
  );
}

function differing(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((name) => {
    const x = a.get(name);
    const y = b.get(name);
    return !x || !y || Buffer.compare(x, y) !== 0;
  });
}

async function train(model: CtVlm, batch: ContrastiveBatch, steps: number): Promise<number[]> {
  const optimizer = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let step = 0; step < steps; step += 1) losses.push(await contrastiveStep(model, optimizer, batch));
  optimizer.dispose();
  return losses;
}

describe('one contrastive training step', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the same numbers for the same seed on the same backend (losses and final weights, bit for bit)', async () => {
    const batch = seededBatch(11);
    const a = new CtVlm(TEST_MODEL).train();
    const b = new CtVlm(TEST_MODEL).train();
    const before = snapshot(a);
    const lossesA = await train(a, batch, 3);
    const lossesB = await train(b, batch, 3);
    expect(lossesA.every(Number.isFinite)).toBe(true);
    expect(lossesB).toEqual(lossesA); // toEqual compares numbers with Object.is: the same float, not merely close
    expect(differing(snapshot(a), snapshot(b))).toEqual([]);
    expect(differing(before, snapshot(a)).length).toBeGreaterThan(0); // the steps did change the weights
    a.dispose();
    b.dispose();
    disposeBatch(batch);
  });

  it('leaves no tensor behind from one step to the next', async () => {
    const batch = seededBatch(12);
    const model = new CtVlm(TEST_MODEL).train();
    const optimizer = tf.train.adam(0.01);
    await contrastiveStep(model, optimizer, batch); // the first step creates Adam's moment variables
    await expectNoTensorLeak(async () => {
      for (let step = 0; step < 2; step += 1) await contrastiveStep(model, optimizer, batch);
    });
    optimizer.dispose();
    model.dispose();
    disposeBatch(batch);
  });

  it('throws that the run diverged on a non-finite loss, leaving every weight as it was', async () => {
    const batch = seededBatch(13);
    const model = new CtVlm(TEST_MODEL);
    const optimizer = tf.train.adam(0.01);
    await contrastiveStep(model, optimizer, batch); // a normal step first, so Adam has state to keep
    model.temperature.assign(tf.scalar(0)); // 'divide': logits = cos / 0 = ±Inf
    const loss = tf.tidy(() => model.contrastiveLoss(batch.volumes, batch.ids, batch.mask).dataSync()[0]);
    expect(Number.isFinite(loss)).toBe(false); // the premise: this batch really gives a NaN/Inf loss
    const before = snapshot(model);
    await expectNoTensorLeak(async () => {
      const step = contrastiveStep(model, optimizer, batch);
      await expect(step).rejects.toThrow(UserError);
      await expect(contrastiveStep(model, optimizer, batch)).rejects.toThrow(/diverged/);
    });
    expect(differing(before, snapshot(model))).toEqual([]);
    optimizer.dispose();
    model.dispose();
    disposeBatch(batch);
  });

  it('with LoRA on the text queries, keys and values only, trains the adapters and leaves frozen weights bit-identical', async () => {
    const batch = seededBatch(14);
    const model = new CtVlm(TEST_MODEL).train();
    const { wrapped } = applyLora(model, { targets: HCC_TEXT_TARGETS, rank: 4, alpha: 8, dropout: 0, kind: 'lora' });
    expect(wrapped).toHaveLength(2 * 3);
    const trainable = model
      .namedParameters()
      .filter(([, v]) => v.trainable)
      .map(([n]) => n);
    expect(trainable.length).toBe(2 * 3 * 2);
    expect(trainable.every((name) => /\.lora_[AB]\./.test(name))).toBe(true);
    const frozenBefore = snapshot(model, (_, v) => !v.trainable);
    const adaptersBefore = snapshot(model, (_, v) => v.trainable);
    const losses = await train(model, batch, 3);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(
      differing(
        frozenBefore,
        snapshot(model, (_, v) => !v.trainable),
      ),
    ).toEqual([]);
    expect(
      differing(
        adaptersBefore,
        snapshot(model, (_, v) => v.trainable),
      ).length,
    ).toBeGreaterThan(0);
    model.dispose();
    disposeBatch(batch);
  });
});
