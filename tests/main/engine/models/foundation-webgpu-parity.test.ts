/**
 * Merlin and CT-CLIP on WebGPU (Dawn; Mesa lavapipe in CI) against the same PyTorch references
 * their cpu parity tests use (tests/fixtures/parity). Before layer norms ran on [rows, dim] views,
 * CTViT's 5-D token grids produced WGSL that Dawn rejected ("cannot index type 'vec5'") and the
 * CT-CLIP latents were garbage without any exception; GPU errors now fail the read-back, and the
 * values match.
 *
 * Tolerance 1e-3 absolute (the cpu tests use 1e-4): GPU kernels sum in other orders than PyTorch's
 * CPU kernels, through up to a few dozen layers of these small models; a wrong kernel is off by
 * O(0.1) or fails outright.
 */
import { describe, expect, it } from 'vitest';
import { CtClip } from '../../../../src/main/engine/models/ctclip/ct-clip';
import { withoutStaleCtClipKeys } from '../../../../src/main/engine/models/ctclip/ctclip-checkpoint-keys';
import { Merlin } from '../../../../src/main/engine/models/merlin/merlin';
import { MerlinConfigSchema } from '../../../../src/main/engine/models/merlin/merlin-config';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { maxAbsDiff } from '../../../helpers/parity-fixture';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';
import { disposeFixture, loadCtClipFixture } from './ctclip/ctclip-fixture';
import { disposeMerlinFixture, loadMerlinFixture } from './merlin/merlin-fixture';

const { loaded, unavailable, required } = await loadWebgpuForTests('foundation-webgpu-parity.test');
const TOLERANCE = 1e-3;

type Io = Map<string, { shape: number[]; values: number[] }>;

function input(io: Io, name: string, dtype: 'float32' | 'int32'): Tensor {
  const entry = io.get(name);
  if (!entry) throw new Error(`fixture has no ${name}`);
  return tf.tensor(entry.values, entry.shape, dtype);
}

function expected(io: Io, name: string): number[] {
  const entry = io.get(name);
  if (!entry) throw new Error(`fixture has no ${name}`);
  return entry.values;
}

async function values(tensors: Tensor[]): Promise<number[][]> {
  const read = await Promise.all(tensors.map((t) => t.data()));
  tf.dispose(tensors);
  return read.map((v) => Array.from(v));
}

describe('foundation models on webgpu', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)(
    'CT-CLIP: latents and logits match PyTorch',
    async () => {
      await tf.setBackend('webgpu');
      const before = tf.memory().numTensors;
      const fixture = loadCtClipFixture();
      const model = new CtClip(fixture.config);
      model.loadStateDict(withoutStaleCtClipKeys(fixture.stateDict));
      model.eval();
      const [volume, ids, mask] = [
        input(fixture.io, 'volume', 'float32'),
        input(fixture.io, 'input_ids', 'int32'),
        input(fixture.io, 'attention_mask', 'int32'),
      ];
      try {
        const [image = [], text = [], logits = []] = await values(
          tf.tidy(() => {
            const imageLatent = model.encodeImage(volume);
            const textLatent = model.encodeText(ids, mask);
            return [imageLatent, textLatent, model.logits(imageLatent, textLatent)];
          }),
        );
        expect(maxAbsDiff(image, expected(fixture.io, 'image_latents'))).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(text, expected(fixture.io, 'text_latents'))).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(logits, expected(fixture.io, 'logits'))).toBeLessThan(TOLERANCE);
      } finally {
        tf.dispose([volume, ids, mask]);
        model.dispose();
        disposeFixture(fixture);
      }
      expect(tf.memory().numTensors).toBe(before);
    },
    120_000,
  );

  it.skipIf(!loaded)(
    'Merlin: image embedding, phecode logits and text embedding match PyTorch',
    async () => {
      await tf.setBackend('webgpu');
      const before = tf.memory().numTensors;
      const fixture = loadMerlinFixture();
      const model = new Merlin(MerlinConfigSchema.parse(fixture.config));
      model.loadStateDict(fixture.stateDict);
      model.eval();
      const [volume, ids, mask] = [
        input(fixture.io, 'volume', 'float32'),
        input(fixture.io, 'input_ids', 'int32'),
        input(fixture.io, 'attention_mask', 'int32'),
      ];
      try {
        const [image = [], logits = [], text = []] = await values(
          tf.tidy(() => [model.encodeImage(volume), model.classifyImage(volume), model.encodeText(ids, mask)]),
        );
        expect(maxAbsDiff(image, expected(fixture.io, 'image_embedding'))).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(logits, expected(fixture.io, 'image_logits'))).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(text, expected(fixture.io, 'text_embedding'))).toBeLessThan(TOLERANCE);
      } finally {
        tf.dispose([volume, ids, mask]);
        model.dispose();
        disposeMerlinFixture(fixture);
      }
      expect(tf.memory().numTensors).toBe(before);
    },
    120_000,
  );
});
