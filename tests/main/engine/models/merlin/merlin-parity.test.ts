/**
 * Parity with PyTorch: a small random Merlin built and run by tools/parity/merlin_reference.py
 * (tools/parity/make_merlin_fixture.py) loads into Merlin key for key, and the image embedding,
 * the phecode logits and the text embedding (local sliding-window attention, as Merlin runs the
 * Longformer; and with global attention on the first token) match the reference to 1e-4 in fp32.
 * The reports are longer than the attention window and one is padded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { releaseBackends } from '../../../../../src/main/engine/backends/select-backend';
import { wasmCandidate } from '../../../../../src/main/engine/backends/wasm-candidate';
import { Merlin } from '../../../../../src/main/engine/models/merlin/merlin';
import { MerlinConfigSchema } from '../../../../../src/main/engine/models/merlin/merlin-config';
import { tf, type Tensor } from '../../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../../helpers/tensor-leaks';
import { disposeMerlinFixture, loadMerlinFixture, maxAbsDiff, type MerlinFixture } from './merlin-fixture';

const TOLERANCE = 1e-4;

afterAll(async () => {
  await releaseBackends();
  await tf.setBackend('cpu');
});

function input(fixture: MerlinFixture, name: string, dtype: 'float32' | 'int32'): Tensor {
  const entry = fixture.io.get(name);
  if (!entry) throw new Error(`fixture has no ${name}`);
  return tf.tensor(entry.values, entry.shape, dtype);
}

function expected(fixture: MerlinFixture, name: string): number[] {
  const entry = fixture.io.get(name);
  if (!entry) throw new Error(`fixture has no ${name}`);
  return entry.values;
}

function loadedModel(fixture: MerlinFixture, globalFirstToken: boolean): Merlin {
  const config = MerlinConfigSchema.parse(fixture.config);
  const model = new Merlin({ ...config, text: { ...config.text, globalFirstToken } });
  const report = model.loadStateDict(fixture.stateDict);
  expect(report).toEqual({ missing: [], unexpected: [], shapeMismatch: [] });
  return model.eval();
}

/** The largest differences from the reference, per output. */
async function parityDifferences(): Promise<Record<string, number>> {
  const fixture = loadMerlinFixture();
  const local = loadedModel(fixture, false);
  const global = loadedModel(fixture, true);
  const volume = input(fixture, 'volume', 'float32');
  const ids = input(fixture, 'input_ids', 'int32');
  const mask = input(fixture, 'attention_mask', 'int32');
  try {
    return await expectNoTensorLeak(() => {
      const [image = [], logits = [], text = [], textGlobal = []] = tf.tidy(() =>
        [
          local.encodeImage(volume),
          local.classifyImage(volume),
          local.encodeText(ids, mask),
          global.encodeText(ids, mask),
        ].map((t) => Array.from(t.dataSync())),
      );
      return {
        image: maxAbsDiff(image, expected(fixture, 'image_embedding')),
        logits: maxAbsDiff(logits, expected(fixture, 'image_logits')),
        text: maxAbsDiff(text, expected(fixture, 'text_embedding')),
        textGlobal: maxAbsDiff(textGlobal, expected(fixture, 'text_embedding_global')),
      };
    });
  } finally {
    tf.dispose([volume, ids, mask]);
    local.dispose();
    global.dispose();
    disposeMerlinFixture(fixture);
  }
}

function expectParity(differences: Record<string, number>): void {
  for (const [output, difference] of Object.entries(differences)) {
    expect(difference, `${output}: max |TypeScript - PyTorch|`).toBeLessThan(TOLERANCE);
  }
}

describe('Merlin parity with the PyTorch reference', () => {
  it('names every key of the reference state dict, and nothing else', () => {
    const fixture = loadMerlinFixture();
    const model = new Merlin(fixture.config);
    try {
      const ours = [...model.stateDict().keys()].sort();
      const theirs = [...fixture.stateDict.keys()].sort();
      expect(ours).toEqual(theirs);
      for (const [key, value] of model.stateDict()) expect(value.shape, key).toEqual(fixture.stateDict.get(key)?.shape);
    } finally {
      model.dispose();
      disposeMerlinFixture(fixture);
    }
  });

  it('matches the reference embeddings and phecode logits to 1e-4 on the cpu backend', async () => {
    await tf.setBackend('cpu');
    const differences = await parityDifferences();
    console.info('Merlin parity (cpu), max abs diff:', differences);
    expectParity(differences);
  });

  it('matches them on the wasm backend too', async () => {
    await wasmCandidate().load();
    expect(tf.getBackend()).toBe('wasm');
    const differences = await parityDifferences();
    console.info('Merlin parity (wasm), max abs diff:', differences);
    expectParity(differences);
  });
});
