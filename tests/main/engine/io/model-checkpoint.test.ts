import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_WEIGHTS_FILE } from '../../../../src/main/engine/io/checkpoint-config';
import { loadCheckpoint, loadCheckpointWeights, saveCheckpoint } from '../../../../src/main/engine/io/model-checkpoint';
import type { Tensor as FileTensor } from '../../../../src/main/engine/io/safetensors-dtypes';
import { readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { writeSafetensors } from '../../../../src/main/engine/io/safetensors-writer';
import { sha256File } from '../../../../src/main/engine/io/sha256-file';
import { applyLora } from '../../../../src/main/engine/lora/apply-lora';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { tf } from '../../../../src/main/engine/tf';
import { UserError } from '../../../../src/shared/errors';
import { tempDir } from '../../../helpers/temp-dir';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';
import {
  expectBitIdentical,
  expectSameOutputs,
  outputs,
  randomizeAll,
  TEST_MODEL,
  TEXT_TARGETS,
} from './ct-vlm-fixtures';

async function refusal(action: () => Promise<unknown>): Promise<UserError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

/** Rewrite model.safetensors of a checkpoint folder with `edit` applied to its tensors. */
function editWeights(folder: string, edit: (tensors: Map<string, FileTensor>) => void): void {
  const file = path.join(folder, CHECKPOINT_WEIGHTS_FILE);
  const { tensors, metadata } = readSafetensors(file);
  edit(tensors);
  writeSafetensors(file, tensors, metadata);
}

describe('full CT-VLM checkpoints', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('round-trips every parameter and buffer bit for bit, with equal outputs and the file hash', async () => {
    await expectNoTensorLeak(async () => {
      const model = new CtVlm(TEST_MODEL);
      randomizeAll(model, 5); // differs from what a fresh model of the same seed holds
      const folder = path.join(tempDir(), 'ckpt');
      const info = saveCheckpoint(model, folder, { modelId: 'tiny-test' });
      expect(info.sha256).toBe(await sha256File(info.weightsFile));
      expect(info.sizeBytes).toBe(fs.statSync(info.weightsFile).size);

      const loaded = await loadCheckpoint(folder);
      expect(loaded.modelId).toBe('tiny-test');
      expect(loaded.sha256).toBe(info.sha256);
      expect(loaded.model.config).toEqual(model.config);
      expectBitIdentical(model.stateDict(), loaded.model.stateDict());
      expectSameOutputs(outputs(model), outputs(loaded.model));

      const stored = readSafetensors(info.weightsFile).tensors;
      const tracked = stored.get('encode_image.i3_resnet.bn1.num_batches_tracked');
      expect(tracked?.dtype).toBe('I64'); // as PyTorch stores it
      expect(tracked?.data).toEqual(new BigInt64Array([7n]));
      expect(stored.get('temperature')?.dtype).toBe('F32');
      model.dispose();
      loaded.model.dispose();
    });
  });

  it('refuses to save a LoRA-wrapped model as a plain checkpoint', () => {
    const model = new CtVlm(TEST_MODEL);
    applyLora(model, { targets: TEXT_TARGETS, kind: 'lora', rank: 2, alpha: 2, dropout: 0 });
    expect(() => saveCheckpoint(model, tempDir(), { modelId: 'x' })).toThrow(/LoRA adapters on/);
    model.dispose();
  });

  it.each([
    [
      'a missing tensor',
      (tensors: Map<string, FileTensor>) => tensors.delete('encode_text.linear_layer.bias'),
      /missing encode_text\.linear_layer\.bias/,
    ],
    [
      'an extra tensor',
      (tensors: Map<string, FileTensor>) =>
        tensors.set('encode_text.extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) }),
      /unexpected encode_text\.extra\.weight/,
    ],
    [
      'a mis-shaped tensor',
      (tensors: Map<string, FileTensor>) =>
        tensors.set('encode_text.linear_layer.bias', { dtype: 'F32', shape: [3], data: new Float32Array(3) }),
      /encode_text\.linear_layer\.bias is \[3\] but the model needs \[8\]/,
    ],
    [
      'a float where an integer buffer belongs',
      (tensors: Map<string, FileTensor>) =>
        tensors.set('encode_image.i3_resnet.bn1.num_batches_tracked', {
          dtype: 'F32',
          shape: [],
          data: new Float32Array(1),
        }),
      /num_batches_tracked" is F32/,
    ],
  ])('refuses %s with CHECKPOINT_INVALID naming the key; the model is untouched', async (_, edit, message) => {
    const source = new CtVlm(TEST_MODEL);
    randomizeAll(source, 9);
    const folder = path.join(tempDir(), 'ckpt');
    saveCheckpoint(source, folder, { modelId: 'tiny-test' });
    source.dispose();
    editWeights(folder, edit);

    const target = new CtVlm(TEST_MODEL);
    const before = new Map([...target.stateDict()].map(([name, value]) => [name, tf.clone(value)]));
    await expectNoTensorLeak(async () => {
      const error = await refusal(() => loadCheckpointWeights(target, folder));
      expect(error.code).toBe('CHECKPOINT_INVALID');
      expect(error.message).toMatch(message);
      expect(error.message).toContain(CHECKPOINT_WEIGHTS_FILE);
      const fresh = await refusal(() => loadCheckpoint(folder)); // the model it builds is disposed
      expect(fresh.code).toBe('CHECKPOINT_INVALID');
    });
    expectBitIdentical(before, target.stateDict());
    for (const value of before.values()) value.dispose();
    target.dispose();
  });

  it('refuses a corrupt weights file and a bad config clearly, without allocating', async () => {
    const model = new CtVlm(TEST_MODEL);
    const folder = path.join(tempDir(), 'ckpt');
    saveCheckpoint(model, folder, { modelId: 'tiny-test' });
    model.dispose();
    const weights = path.join(folder, CHECKPOINT_WEIGHTS_FILE);
    const bytes = fs.readFileSync(weights);
    bytes.writeBigUInt64LE(1n << 50n, 0); // a header length far beyond the file
    fs.writeFileSync(weights, bytes);
    await expectNoTensorLeak(async () => {
      const error = await refusal(() => loadCheckpoint(folder));
      expect(error.code).toBe('CHECKPOINT_INVALID');
      expect(error.message).toContain(weights);
    });

    fs.writeFileSync(path.join(folder, 'config.json'), '{"architecture":"ctvlm","format_version":1}');
    const config = await refusal(() => loadCheckpoint(folder));
    expect(config.code).toBe('CHECKPOINT_INVALID');
    expect(config.message).toMatch(/config\.json is not a CT-VLM checkpoint config: modelId/);

    const empty = await refusal(() => loadCheckpoint(tempDir()));
    expect(empty.message).toMatch(/has no config\.json/);
  });
});
