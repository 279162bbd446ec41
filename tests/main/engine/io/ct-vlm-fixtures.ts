/** A very small CtVlm, fixed inputs, and helpers to compare tensors bit for bit. */
import { expect } from 'vitest';
import type { Module } from '../../../../src/main/engine/module';
import { loadLoraStateDict, loraStateDict, disposeStateDict } from '../../../../src/main/engine/lora/lora-state-dict';
import type { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM, type CtVlmConfigInput } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../../../../src/main/engine/tf';

/** As in tests/main/engine/models/ct-vlm.test.ts: every part of the architecture, tiny. */
export const TEST_MODEL: CtVlmConfigInput = {
  ...TINY_CTVLM,
  image: { stemChannels: 4, widths: [2, 4, 4, 8], blocks: [1, 2, 1, 1] },
  text: { ...TINY_CTVLM.text, hiddenSize: 16, heads: 2, intermediateSize: 32, maxLength: 24, dropout: 0 },
  embedDim: 8,
};

export const TEXT_TARGETS = /encode_text\.text_encoder\.encoder\.layer\.\d+\.attention\.self\.(query|key|value)/;
export const IMAGE_TARGETS = /encode_image\.i3_resnet\.layer\d\.\d+\.conv2/;

/** Image and text embeddings of fixed inputs, as plain arrays (no tensor is left behind). */
export function outputs(model: CtVlm): { image: Float32Array; text: Float32Array } {
  return tf.tidy(() => {
    const volumes = tf.randomUniform([1, 16, 24, 24, 1], 0, 1, 'float32', 3);
    const ids = tf.tensor2d([[2, 17, 40, 300, 3, 0]], [1, 6], 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 0]], [1, 6], 'int32');
    return {
      image: Float32Array.from(model.encodeImage(volumes).dataSync()),
      text: Float32Array.from(model.encodeText(ids, mask).dataSync()),
    };
  });
}

function positive(name: string): boolean {
  return name === 'temperature' || name.endsWith('running_var');
}

/** Replace every parameter and buffer with seeded random values (int buffers get 7). */
export function randomizeAll(model: Module, seed: number): void {
  const values = new Map<string, tf.Tensor>();
  let i = 0;
  for (const [name, value] of model.stateDict()) {
    i += 1;
    values.set(
      name,
      value.dtype === 'int32'
        ? tf.fill(value.shape, 7, 'int32')
        : positive(name)
          ? tf.randomUniform(value.shape, 0.5, 1.5, 'float32', seed * 1000 + i)
          : tf.randomUniform(value.shape, -0.3, 0.3, 'float32', seed * 1000 + i),
    );
  }
  model.loadStateDict(values);
  disposeStateDict(values);
}

/** Give every LoRA factor (B included, which starts at zero) seeded random values. */
export function randomizeLora(model: Module, seed: number): void {
  const current = loraStateDict(model);
  const values = new Map<string, tf.Tensor>();
  let i = 0;
  for (const [name, value] of current) {
    i += 1;
    values.set(name, tf.randomNormal(value.shape, 0, 0.5, 'float32', seed * 1000 + i));
  }
  loadLoraStateDict(model, values);
  disposeStateDict(values);
  disposeStateDict(current);
}

function bytes(tensor: tf.Tensor): Buffer {
  const data = tensor.dataSync();
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Same names, shapes, dtypes and bytes. */
export function expectBitIdentical(a: ReadonlyMap<string, tf.Tensor>, b: ReadonlyMap<string, tf.Tensor>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, value] of a) {
    const other = b.get(name);
    expect(other, name).toBeDefined();
    if (!other) continue;
    expect(other.shape, name).toEqual(value.shape);
    expect(other.dtype, name).toBe(value.dtype);
    expect(bytes(other).equals(bytes(value)), `${name} differs`).toBe(true);
  }
}

export function expectSameOutputs(
  a: { image: Float32Array; text: Float32Array },
  b: { image: Float32Array; text: Float32Array },
): void {
  expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).toBe(true);
  expect(Buffer.from(a.text.buffer).equals(Buffer.from(b.text.buffer))).toBe(true);
}
