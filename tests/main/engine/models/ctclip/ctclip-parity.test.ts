/**
 * Parity with PyTorch: a small random CT-CLIP built and run by tools/parity/ctclip_reference.py
 * (tools/parity/make_ctclip_fixture.py) loads into CtClip key for key, and the encoded tokens,
 * codebook choices, image and text latents and logits match the reference to 1e-4 in fp32.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { releaseBackends } from '../../../../../src/main/engine/backends/select-backend';
import { wasmCandidate } from '../../../../../src/main/engine/backends/wasm-candidate';
import { CtClip } from '../../../../../src/main/engine/models/ctclip/ct-clip';
import { withoutStaleCtClipKeys } from '../../../../../src/main/engine/models/ctclip/ctclip-checkpoint-keys';
import { tf, type Tensor } from '../../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../../helpers/tensor-leaks';
import { disposeFixture, loadCtClipFixture, maxAbsDiff, type CtClipFixture } from './ctclip-fixture';

const TOLERANCE = 1e-4;

afterAll(async () => {
  await releaseBackends();
  await tf.setBackend('cpu');
});

function input(fixture: CtClipFixture, name: string, dtype: 'float32' | 'int32'): Tensor {
  const entry = fixture.io.get(name);
  if (!entry) throw new Error(`fixture has no ${name}`);
  return tf.tensor(entry.values, entry.shape, dtype);
}

function expected(fixture: CtClipFixture, name: string): number[] {
  const entry = fixture.io.get(name);
  if (!entry) throw new Error(`fixture has no ${name}`);
  return entry.values;
}

function loadedModel(fixture: CtClipFixture): CtClip {
  const model = new CtClip(fixture.config);
  const report = model.loadStateDict(withoutStaleCtClipKeys(fixture.stateDict));
  expect(report).toEqual({ missing: [], unexpected: [], shapeMismatch: [] });
  return model.eval();
}

async function checkParity(): Promise<void> {
  const fixture = loadCtClipFixture();
  const model = loadedModel(fixture);
  const volume = input(fixture, 'volume', 'float32');
  const ids = input(fixture, 'input_ids', 'int32');
  const mask = input(fixture, 'attention_mask', 'int32');
  try {
    await expectNoTensorLeak(() => {
      const outputs = tf.tidy(() => {
        const encoded = model.visual_transformer.encode(volume);
        const indices = model.visual_transformer.vq.indices(encoded);
        const image = model.encodeImage(volume);
        const text = model.encodeText(ids, mask);
        const logits = model.logits(image, text);
        return [encoded, indices, image, text, logits].map((t) => Array.from(t.dataSync()));
      });
      const [encoded = [], indices = [], image = [], text = [], logits = []] = outputs;
      expect(maxAbsDiff(encoded, expected(fixture, 'encoded_tokens'))).toBeLessThan(TOLERANCE);
      expect(indices).toEqual(expected(fixture, 'codebook_indices'));
      expect(maxAbsDiff(image, expected(fixture, 'image_latents'))).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(text, expected(fixture, 'text_latents'))).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(logits, expected(fixture, 'logits'))).toBeLessThan(TOLERANCE);
    });
  } finally {
    tf.dispose([volume, ids, mask]);
    model.dispose();
    disposeFixture(fixture);
  }
}

describe('CT-CLIP parity with the PyTorch reference', () => {
  it('names every key of the reference state dict, and nothing else, once the stale key is dropped', () => {
    const fixture = loadCtClipFixture();
    const model = new CtClip(fixture.config);
    try {
      const ours = [...model.stateDict().keys()].sort();
      const theirs = [...fixture.stateDict.keys()].filter((key) => !fixture.staleKeys.includes(key)).sort();
      expect(ours).toEqual(theirs);
      expect(fixture.staleKeys).toEqual(['text_transformer.embeddings.position_ids']);
      expect(() => model.loadStateDict(fixture.stateDict)).toThrow(
        /unexpected text_transformer\.embeddings\.position_ids/,
      );
    } finally {
      model.dispose();
      disposeFixture(fixture);
    }
  });

  it('matches the reference embeddings and logits to 1e-4 on the cpu backend', async () => {
    await tf.setBackend('cpu');
    await checkParity();
  });

  it('matches them on the wasm backend too', async () => {
    await wasmCandidate().load();
    expect(tf.getBackend()).toBe('wasm');
    await checkParity();
  });
});
