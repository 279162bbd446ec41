import { expect } from 'vitest';
import { tf } from '../../src/main/engine/tf';

/** Run `body` and assert it leaves exactly as many live tensors as there were before. */
export async function expectNoTensorLeak<T>(body: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await body();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return result;
}
