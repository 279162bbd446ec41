import { describe, expect, it } from 'vitest';
import { openTorchCheckpoint, readTorchCheckpoint } from '../../../../../src/main/engine/io/torch';
import type { Tensor } from '../../../../../src/main/engine/io/safetensors-dtypes';
import { expectedFiles, fixture, numbers, type ExpectedTensorValues } from './torch-fixtures';

/** The dtype read() returns for a stored dtype. */
const READ_AS: Record<string, Tensor['dtype']> = { F16: 'F32', BF16: 'F32', I8: 'I16' };

function expectTensor(name: string, got: Tensor, want: ExpectedTensorValues): void {
  expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({
    name,
    dtype: READ_AS[want.dtype] ?? want.dtype,
    shape: want.shape,
  });
  expect(numbers(got), name).toEqual(want.values);
}

describe('PyTorch checkpoint reader: values, shapes and dtypes as torch saved them', () => {
  const files = expectedFiles();

  for (const file of ['state-dict.pt', 'wrapped.pt', 'ctclip-keys.pt', 'torch2-style.pt']) {
    it(`reads ${file} exactly, in state-dict order`, () => {
      const want = files[file];
      if (!want) throw new Error(`expected.json has no ${file}`);
      const checkpoint = openTorchCheckpoint(fixture(file));
      try {
        expect([...checkpoint.tensors.keys()]).toEqual(Object.keys(want.tensors));
        expect(checkpoint.wrapperPath).toEqual(want.wrapperPath);
        for (const [name, info] of checkpoint.tensors) {
          const expected = want.tensors[name];
          if (!expected) throw new Error(`no expected values for ${name}`);
          expect({ name, dtype: info.dtype, shape: info.shape }).toEqual({
            name,
            dtype: expected.dtype,
            shape: expected.shape,
          });
          expectTensor(name, checkpoint.read(name), expected);
        }
      } finally {
        checkpoint.close();
      }
    });
  }

  it('reads views: a transposed weight, a strided slice and an expanded tensor come out contiguous', () => {
    const checkpoint = openTorchCheckpoint(fixture('state-dict.pt'));
    try {
      const info = (name: string) => checkpoint.tensors.get(name);
      expect(info('transposed')?.contiguous).toBe(false);
      expect(info('strided')?.contiguous).toBe(false);
      expect(info('expanded')?.contiguous).toBe(false);
      expect(info('0.weight')?.contiguous).toBe(true);
      // grid = arange(20).reshape(4, 5); grid[1:, ::2]
      expect(numbers(checkpoint.read('strided'))).toEqual([5, 7, 9, 10, 12, 14, 15, 17, 19]);
      expect(numbers(checkpoint.read('expanded'))).toEqual([1.5, -2.5, 1.5, -2.5, 1.5, -2.5]);
    } finally {
      checkpoint.close();
    }
  });

  it('reads two tensors sharing one storage at different offsets', () => {
    const checkpoint = openTorchCheckpoint(fixture('state-dict.pt'));
    try {
      const a = checkpoint.tensors.get('shared_a');
      const b = checkpoint.tensors.get('shared_b');
      expect(a?.storageKey).toBeDefined();
      expect(a?.storageKey).toBe(b?.storageKey);
      // base = arange(12) / 4; a = base[2:8].view(2, 3), b = base[5:9]
      expect(numbers(checkpoint.read('shared_a'))).toEqual([0.5, 0.75, 1, 1.25, 1.5, 1.75]);
      expect(numbers(checkpoint.read('shared_b'))).toEqual([1.25, 1.5, 1.75, 2]);
    } finally {
      checkpoint.close();
    }
  });

  it('keeps int64 exactly (beyond 2^32), marks parameters, and reads 0-d and empty tensors', () => {
    const { tensors } = readTorchCheckpoint(fixture('state-dict.pt'));
    const ints = tensors.get('ints');
    expect(ints?.dtype).toBe('I64');
    expect(ints?.data).toEqual(new BigInt64Array([-(2n ** 40n), -1n, 0n, 2n ** 40n + 3n]));
    expect(tensors.get('1.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: new BigInt64Array([7n]) });
    expect(tensors.get('scalar')).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([3.5]) });
    expect(tensors.get('empty')).toEqual({ dtype: 'F32', shape: [0, 3], data: new Float32Array(0) });
    const checkpoint = openTorchCheckpoint(fixture('state-dict.pt'));
    try {
      expect(checkpoint.tensors.get('param')?.isParameter).toBe(true);
      expect(checkpoint.tensors.get('0.weight')?.isParameter).toBe(false);
    } finally {
      checkpoint.close();
    }
  });

  it("unwraps {'state_dict': ...} and says which key it used and what it ignored", () => {
    const contents = readTorchCheckpoint(fixture('wrapped.pt'));
    expect(contents.wrapperPath).toEqual(['state_dict']);
    expect([...contents.tensors.keys()]).toEqual(['weight', 'bias']);
    expect(contents.notes.join('\n')).toMatch(
      /Used the checkpoint's 'state_dict' entry.*ignored its other entries: epoch, optimizer/,
    );
  });

  it('streams tensors one at a time through entries(), in order', () => {
    const checkpoint = openTorchCheckpoint(fixture('ctclip-keys.pt'));
    try {
      const names: string[] = [];
      for (const [name, tensor] of checkpoint.entries()) {
        names.push(name);
        expect(tensor.shape).toEqual(checkpoint.tensors.get(name)?.shape);
      }
      expect(names).toEqual([...checkpoint.tensors.keys()]);
    } finally {
      checkpoint.close();
    }
  });
});
