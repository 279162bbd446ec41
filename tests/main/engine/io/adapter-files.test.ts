import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAdapterInto, saveAdapter } from '../../../../src/main/engine/io/adapter-files';
import { saveCheckpoint, loadCheckpoint, type CheckpointInfo } from '../../../../src/main/engine/io/model-checkpoint';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../../../src/main/engine/io/peft-adapter';
import { readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { writeSafetensors } from '../../../../src/main/engine/io/safetensors-writer';
import { applyLora } from '../../../../src/main/engine/lora/apply-lora';
import { loraLayers } from '../../../../src/main/engine/lora/lora-modules';
import { disposeStateDict, loraStateDict } from '../../../../src/main/engine/lora/lora-state-dict';
import { removeLora } from '../../../../src/main/engine/lora/remove-lora';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { tf } from '../../../../src/main/engine/tf';
import { UserError } from '../../../../src/shared/errors';
import { tempDir } from '../../../helpers/temp-dir';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import {
  expectBitIdentical,
  expectSameOutputs,
  IMAGE_TARGETS,
  outputs,
  randomizeAll,
  randomizeLora,
  TEST_MODEL,
  TEXT_TARGETS,
} from './ct-vlm-fixtures';

interface Fixture {
  base: CheckpointInfo;
  /** Adapter A: LoRA r=2 on the text attention projections. */
  a: string;
  /** Adapter B: ConvLoRA r=1 on the image conv2 layers. */
  b: string;
}

/** A base checkpoint and two adapters trained (here: randomised) on it. */
function fixture(): Fixture {
  const dir = tempDir();
  const model = new CtVlm(TEST_MODEL);
  randomizeAll(model, 3);
  const base = saveCheckpoint(model, path.join(dir, 'base'), { modelId: 'tiny-base' });
  const adapter = (name: string, spec: Parameters<typeof applyLora>[1], seed: number): string => {
    removeLora(model);
    applyLora(model, spec);
    randomizeLora(model, seed);
    const folder = path.join(dir, name);
    saveAdapter(model, folder, { baseModelId: base.modelId, baseSha256: base.sha256, name });
    return folder;
  };
  const a = adapter('a', { targets: TEXT_TARGETS, kind: 'lora', rank: 2, alpha: 4, dropout: 0.1 }, 11);
  const b = adapter('b', { targets: IMAGE_TARGETS, kind: 'conv-lora', rank: 1, alpha: 2, dropout: 0 }, 12);
  model.dispose();
  return { base, a, b };
}

function refusal(action: () => unknown): UserError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

async function freshWith(fx: Fixture, adapter: string): Promise<CtVlm> {
  const { model, modelId, sha256 } = await loadCheckpoint(fx.base.folder);
  loadAdapterInto(model, adapter, { modelId, sha256 });
  return model;
}

describe('adapter folders on a CT-VLM', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('saves a PEFT folder: r, alpha, dropout, targets, ConvLoRA modules, base id and hash', () => {
    const fx = fixture();
    const config = JSON.parse(fs.readFileSync(path.join(fx.b, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 1,
      lora_alpha: 2,
      lora_dropout: 0,
      base_model_name_or_path: 'tiny-base',
      ctvlm: { base_model_sha256: fx.base.sha256 },
    });
    expect(config.target_modules).toContain('encode_image.i3_resnet.layer2.1.conv2');
    expect((config.ctvlm as { conv_lora_modules: string[] }).conv_lora_modules).toEqual(config.target_modules);
    const keys = [...readSafetensors(path.join(fx.a, ADAPTER_WEIGHTS_FILE)).tensors.keys()];
    expect(keys).toContain(
      'base_model.model.encode_text.text_encoder.encoder.layer.0.attention.self.query.lora_A.weight',
    );
    expect(keys.every((key) => key.startsWith('base_model.model.') && /lora_[AB]\.weight$/.test(key))).toBe(true);
  });

  it('round-trips an adapter bit for bit into a fresh base, with identical outputs', async () => {
    const fx = fixture();
    const original = await loadCheckpoint(fx.base.folder);
    applyLora(original.model, { targets: TEXT_TARGETS, kind: 'lora', rank: 2, alpha: 4, dropout: 0.1 });
    randomizeLora(original.model, 11); // the same values adapter A was saved with
    const fresh = await freshWith(fx, fx.a);
    const saved = loraStateDict(original.model);
    const loaded = loraStateDict(fresh);
    expectBitIdentical(saved, loaded);
    disposeStateDict(saved);
    disposeStateDict(loaded);
    const layer = loraLayers(fresh)[0]?.[1];
    expect([layer?.rank, layer?.alpha, layer?.dropout]).toEqual([2, 4, 0.1]);
    expectSameOutputs(outputs(original.model.eval()), outputs(fresh.eval()));
    // and saving the loaded adapter again gives the same bytes
    const again = path.join(tempDir(), 'again');
    saveAdapter(fresh, again, { baseModelId: 'tiny-base', baseSha256: fx.base.sha256, name: 'again' });
    for (const file of [ADAPTER_WEIGHTS_FILE, ADAPTER_CONFIG_FILE]) {
      expect(fs.readFileSync(path.join(again, file)).equals(fs.readFileSync(path.join(fx.a, file))), file).toBe(true);
    }
    original.model.dispose();
    fresh.dispose();
  });

  it('swaps adapter A for B (other targets and kind) and back on one model, as fresh loads do, without leaking', async () => {
    const fx = fixture();
    const freshA = await freshWith(fx, fx.a);
    const freshB = await freshWith(fx, fx.b);
    const expectedA = outputs(freshA);
    const expectedB = outputs(freshB);
    freshA.dispose();
    freshB.dispose();
    // A changes only the text tower, B only the image tower
    expect(Buffer.from(expectedA.text.buffer).equals(Buffer.from(expectedB.text.buffer))).toBe(false);
    expect(Buffer.from(expectedA.image.buffer).equals(Buffer.from(expectedB.image.buffer))).toBe(false);

    const model = await freshWith(fx, fx.a);
    const base = { modelId: 'tiny-base', sha256: fx.base.sha256 };
    await expectNoTensorLeak(() => {
      loadAdapterInto(model, fx.b, base);
      expect(loraLayers(model).every(([name]) => name.startsWith('encode_image'))).toBe(true);
      expectSameOutputs(outputs(model), expectedB);
      loraLayers(model).forEach(([, layer]) => layer.merge()); // a merged adapter is unmerged first
      loadAdapterInto(model, fx.a, base);
      expect(loraLayers(model).every(([name]) => name.startsWith('encode_text'))).toBe(true);
      expectSameOutputs(outputs(model), expectedA);
    });
    model.dispose();
  });

  it('refuses an adapter made for another checkpoint (ADAPTER_BASE_MISMATCH naming both hashes); the model is unchanged', async () => {
    const fx = fixture();
    const model = await freshWith(fx, fx.a);
    const before = outputs(model);
    const otherSha = 'cd'.repeat(32);
    await expectNoTensorLeak(() => {
      const error = refusal(() => loadAdapterInto(model, fx.b, { modelId: 'other-base', sha256: otherSha }));
      expect(error.code).toBe('ADAPTER_BASE_MISMATCH');
      expect(error.message).toContain(fx.base.sha256);
      expect(error.message).toContain(otherSha);
    });
    expect(loraLayers(model).every(([name]) => name.startsWith('encode_text'))).toBe(true);
    expectSameOutputs(outputs(model), before);
    model.dispose();
  });

  it('refuses an adapter whose factor shapes do not fit the base (naming the layer); the model is unchanged', async () => {
    const fx = fixture();
    const weights = path.join(fx.b, ADAPTER_WEIGHTS_FILE);
    const { tensors, metadata } = readSafetensors(weights);
    const key = 'base_model.model.encode_image.i3_resnet.layer1.0.conv2.lora_A.weight';
    const a = tensors.get(key);
    if (!a) throw new Error(`no ${key}`);
    const shape = [a.shape[0] ?? 0, (a.shape[1] ?? 0) + 1, ...a.shape.slice(2)];
    tensors.set(key, { dtype: 'F32', shape, data: new Float32Array(shape.reduce((x, y) => x * y, 1)) });
    writeSafetensors(weights, tensors, metadata);

    const model = await freshWith(fx, fx.a);
    const before = outputs(model);
    await expectNoTensorLeak(() => {
      const error = refusal(() => loadAdapterInto(model, fx.b, { modelId: 'tiny-base', sha256: fx.base.sha256 }));
      expect(error.code).toBe('ADAPTER_BASE_MISMATCH');
      expect(error.message).toMatch(/lora_A of encode_image\.i3_resnet\.layer1\.0\.conv2 is \[1, 3, 3, 3, 3\]/);
    });
    expectSameOutputs(outputs(model), before);
    model.dispose();
  });

  it('refuses a corrupt adapter_model.safetensors clearly; the model is unchanged', async () => {
    const fx = fixture();
    const weights = path.join(fx.b, ADAPTER_WEIGHTS_FILE);
    const bytes = fs.readFileSync(weights);
    bytes.writeBigUInt64LE(0xffff_ffff_ffffn, 0);
    fs.writeFileSync(weights, bytes);
    const model = await freshWith(fx, fx.a);
    const before = outputs(model);
    await expectNoTensorLeak(() => {
      const error = refusal(() => loadAdapterInto(model, fx.b, { modelId: 'tiny-base', sha256: fx.base.sha256 }));
      expect(error.message).toContain(weights);
      expect(error.message).toMatch(/not a valid safetensors file/);
    });
    expectSameOutputs(outputs(model), before);
    model.dispose();
  });

  it('removeLora gives back the plain base model, bit for bit, merged or not', async () => {
    const fx = fixture();
    const plain = await loadCheckpoint(fx.base.folder);
    const model = await freshWith(fx, fx.b);
    loraLayers(model).forEach(([, layer]) => layer.merge());
    const removed = removeLora(model);
    expect(removed.length).toBeGreaterThan(0);
    expect(loraLayers(model)).toEqual([]);
    expectBitIdentical(plain.model.stateDict(), model.stateDict());
    plain.model.dispose();
    model.dispose();
  });
});
