import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { applyLora } from '../../../../src/main/engine/lora/apply-lora';
import { loraLayers } from '../../../../src/main/engine/lora/lora-modules';
import {
  disposeStateDict,
  fromPeftKeys,
  loadLoraStateDict,
  loraStateDict,
  toPeftKeys,
} from '../../../../src/main/engine/lora/lora-state-dict';
import { mergedStateDict } from '../../../../src/main/engine/lora/merged-state-dict';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import { TinyNet, randomiseAllFactors, tinyInputs } from './tiny-lora-net';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const BOTTLENECK = /image\.layer\d+\.\d+\.(conv[123]|downsample\.0)/;

/** The same base model (same seed) with the same adapters; factors as initialised. */
function adaptedNet(): TinyNet {
  const model = new TinyNet(5);
  applyLora(model, { targets: BOTTLENECK, rank: 2, alpha: 2, dropout: 0, kind: 'conv-lora', seed: 3 });
  applyLora(model, { targets: ['query', 'value'], rank: 2, alpha: 4, dropout: 0, kind: 'lora', seed: 4 });
  return model;
}

/** An adapted model after "training": random factors. */
function trainedNet(): TinyNet {
  const model = adaptedNet();
  randomiseAllFactors(model, 100);
  return model;
}

function maxAbsDifference(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}

function bitsOf(values: ReadonlyMap<string, Tensor>): Map<string, number[]> {
  return new Map(
    [...values].map(([key, v]) => [key, Array.from(new Uint32Array(Float32Array.from(v.dataSync()).buffer))]),
  );
}

describe('loraStateDict and loadLoraStateDict', () => {
  it('hold only the LoRA factors, under PEFT names', async () => {
    await expectNoTensorLeak(() => {
      const model = trainedNet();
      const saved = loraStateDict(model);
      expect([...saved.keys()]).toContain('text.encoder.layer.0.attention.query.lora_A.weight');
      expect([...saved.keys()]).toContain('image.layer1.0.downsample.0.lora_B.weight');
      expect([...saved.keys()].every((key) => /\.lora_[AB]\.weight$/.test(key))).toBe(true);
      expect(saved.size).toBe(2 * (4 + 4));
      expect([...toPeftKeys(saved).keys()]).toContain(
        'base_model.model.text.encoder.layer.1.attention.value.lora_B.weight',
      );
      expect([...fromPeftKeys(toPeftKeys(saved)).keys()]).toEqual([...saved.keys()]);
      disposeStateDict(saved);
      model.dispose();
    });
  });

  it('saved after merge: bit-identical to saving unmerged, and a fresh model reloads the merged outputs once', async () => {
    await expectNoTensorLeak(() => {
      const { volume, tokens } = tinyInputs(7);
      const model = trainedNet();
      const beforeMerge = loraStateDict(model);
      for (const [, layer] of loraLayers(model)) layer.merge();
      const mergedOut = model.apply(volume, tokens);
      const saved = loraStateDict(model);
      expect(bitsOf(saved)).toEqual(bitsOf(beforeMerge));

      const fresh = adaptedNet();
      const freshAtInit = fresh.apply(volume, tokens);
      expect(maxAbsDifference(freshAtInit, mergedOut)).toBeGreaterThan(1e-3);
      loadLoraStateDict(fresh, toPeftKeys(saved));
      const reloaded = fresh.apply(volume, tokens);
      expect(maxAbsDifference(reloaded, mergedOut)).toBeLessThan(1e-5);

      // The HCC-Merlin bug, for contrast: a full state dict of the merged model (merged base
      // weights plus factors) loaded into an unmerged wrapper counts the update twice.
      const doubled = adaptedNet();
      doubled.loadStateDict(model.stateDict());
      const doubledOut = doubled.apply(volume, tokens);
      expect(maxAbsDifference(doubledOut, mergedOut)).toBeGreaterThan(1e-3);

      tf.dispose([volume, tokens, mergedOut, freshAtInit, reloaded, doubledOut]);
      disposeStateDict(beforeMerge);
      disposeStateDict(saved);
      for (const net of [model, fresh, doubled]) net.dispose();
    });
  });

  it('refuses an adapter that does not fit, or a merged model, and loads nothing', async () => {
    await expectNoTensorLeak(() => {
      const source = trainedNet();
      const saved = loraStateDict(source);
      const target = adaptedNet();
      const before = loraStateDict(target);

      const missing = new Map(saved);
      missing.delete('image.layer1.0.conv1.lora_A.weight');
      expect(() => loadLoraStateDict(target, missing)).toThrow(/missing image\.layer1\.0\.conv1\.lora_A\.weight/);
      const wrongShape = tf.zeros([3, 3]);
      const extra = new Map([...saved, ['image.stem.lora_A.weight', wrongShape]]);
      expect(() => loadLoraStateDict(target, extra)).toThrow(/unexpected image\.stem\.lora_A\.weight/);
      const misShaped = new Map([...saved, ['text.encoder.layer.0.attention.query.lora_B.weight', wrongShape]]);
      expect(() => loadLoraStateDict(target, misShaped)).toThrow(UserError);
      const after = loraStateDict(target);
      expect(bitsOf(after)).toEqual(bitsOf(before));

      for (const [, layer] of loraLayers(target)) layer.merge();
      expect(() => loadLoraStateDict(target, saved)).toThrow(/Unmerge the LoRA adapters/);

      tf.dispose(wrongShape);
      for (const dict of [saved, before, after]) disposeStateDict(dict);
      source.dispose();
      target.dispose();
    });
  });
});

describe('mergedStateDict', () => {
  it('is a base-shaped state dict with the update folded in, and leaves the model unchanged', async () => {
    await expectNoTensorLeak(() => {
      const { volume, tokens } = tinyInputs(9);
      const model = trainedNet();
      const adaptedOut = model.apply(volume, tokens);
      const stateBefore = bitsOf(model.stateDict());

      const merged = mergedStateDict(model);
      const plain = new TinyNet(77); // different random weights, same architecture
      expect(new Set(merged.keys())).toEqual(new Set(plain.stateDict().keys()));
      plain.loadStateDict(merged);
      const plainOut = plain.apply(volume, tokens);
      expect(maxAbsDifference(plainOut, adaptedOut)).toBeLessThan(1e-5);

      expect(loraLayers(model).every(([, layer]) => !layer.merged)).toBe(true);
      expect(bitsOf(model.stateDict())).toEqual(stateBefore);

      // From a merged model it must not add the update a second time.
      for (const [, layer] of loraLayers(model)) layer.merge();
      const fromMerged = mergedStateDict(model);
      const plainAgain = new TinyNet(78);
      plainAgain.loadStateDict(fromMerged);
      const againOut = plainAgain.apply(volume, tokens);
      expect(maxAbsDifference(againOut, adaptedOut)).toBeLessThan(1e-5);

      tf.dispose([volume, tokens, adaptedOut, plainOut, againOut]);
      disposeStateDict(merged);
      disposeStateDict(fromMerged);
      for (const net of [model, plain, plainAgain]) net.dispose();
    });
  });
});
