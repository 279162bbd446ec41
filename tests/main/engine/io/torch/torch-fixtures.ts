/** The committed fixtures of tests/fixtures/torch (tools/parity/make_torch_checkpoint_fixtures.py). */
import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '../../../../../src/main/engine/io/safetensors-dtypes';

export const TORCH_FIXTURES = path.resolve(import.meta.dirname, '../../../../fixtures/torch');

export interface ExpectedTensorValues {
  dtype: string;
  shape: number[];
  values: number[];
}

export interface ExpectedFile {
  wrapperPath: string[];
  tensors: Record<string, ExpectedTensorValues>;
}

export function fixture(name: string): string {
  return path.join(TORCH_FIXTURES, name);
}

export function expectedFiles(): Record<string, ExpectedFile> {
  const json = JSON.parse(fs.readFileSync(fixture('expected.json'), 'utf8')) as { files: Record<string, ExpectedFile> };
  return json.files;
}

/** A tensor's values as numbers (int64 converted: the fixtures stay within 2^53). */
export function numbers(tensor: Tensor | undefined): number[] {
  if (tensor === undefined) return [];
  return tensor.data instanceof BigInt64Array ? Array.from(tensor.data, Number) : Array.from(tensor.data);
}
