/**
 * Reads a PyTorch parity fixture folder (tools/parity/make_*_fixture.py): config.json, the state
 * dict in model.safetensors (as tfjs tensors; int64 buffers as int32) and the inputs and expected
 * outputs in io.safetensors (as plain numbers with their shapes).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Tensor as FileTensor } from '../../src/main/engine/io/safetensors-dtypes';
import { readSafetensors } from '../../src/main/engine/io/safetensors-reader';
import { tf, type Tensor } from '../../src/main/engine/tf';

export interface ParityFixtureFiles {
  /** config.json as written by the fixture script. */
  meta: unknown;
  stateDict: Map<string, Tensor>;
  io: Map<string, { shape: number[]; values: number[] }>;
}

function toTf(value: FileTensor): Tensor {
  if (value.dtype === 'F32') return tf.tensor(value.data, value.shape, 'float32');
  if (value.dtype === 'I64') {
    return tf.tensor(
      Int32Array.from(value.data, (v) => Number(v)),
      value.shape,
      'int32',
    );
  }
  throw new Error(`Unexpected fixture dtype ${value.dtype}`);
}

/** Any typed array of the file (int64 ones hold bigints) as plain numbers. */
function plainNumbers(data: FileTensor['data']): number[] {
  const values: number[] = [];
  for (const value of data) values.push(Number(value));
  return values;
}

export function readParityFixture(dir: string): ParityFixtureFiles {
  const meta: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const weights = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  const stateDict = new Map([...weights].map(([name, value]) => [name, toTf(value)]));
  const io = new Map(
    [...readSafetensors(path.join(dir, 'io.safetensors')).tensors].map(([name, value]) => [
      name,
      { shape: value.shape, values: plainNumbers(value.data) },
    ]),
  );
  return { meta, stateDict, io };
}

export function disposeParityStateDict(stateDict: Map<string, Tensor>): void {
  for (const value of stateDict.values()) value.dispose();
}

/** Largest |a - b| over two equally long arrays (Infinity when the lengths differ or a value is NaN). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return Number.isNaN(worst) ? Infinity : worst;
}
