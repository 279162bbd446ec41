/** Loads tests/fixtures/parity/merlin-small (written by tools/parity/make_merlin_fixture.py). */
import fs from 'node:fs';
import path from 'node:path';
import type { Tensor as FileTensor } from '../../../../../src/main/engine/io/safetensors-dtypes';
import { readSafetensors } from '../../../../../src/main/engine/io/safetensors-reader';
import type { MerlinConfigInput } from '../../../../../src/main/engine/models/merlin/merlin-config';
import { tf, type Tensor } from '../../../../../src/main/engine/tf';

export const MERLIN_FIXTURE_DIR = path.resolve(__dirname, '../../../../fixtures/parity/merlin-small');

export interface MerlinFixture {
  config: MerlinConfigInput;
  /** The PyTorch state dict as tfjs tensors (int64 buffers as int32). */
  stateDict: Map<string, Tensor>;
  /** Inputs and expected outputs as plain arrays, with their shapes. */
  io: Map<string, { shape: number[]; values: number[] }>;
}

function toTf(value: FileTensor): Tensor {
  if (value.dtype === 'F32') return tf.tensor(value.data, value.shape, 'float32');
  if (value.dtype === 'I64')
    return tf.tensor(
      Int32Array.from(value.data, (v) => Number(v)),
      value.shape,
      'int32',
    );
  throw new Error(`Unexpected fixture dtype ${value.dtype}`);
}

export function loadMerlinFixture(): MerlinFixture {
  const meta = JSON.parse(fs.readFileSync(path.join(MERLIN_FIXTURE_DIR, 'config.json'), 'utf8')) as {
    config: MerlinConfigInput;
  };
  const weights = readSafetensors(path.join(MERLIN_FIXTURE_DIR, 'model.safetensors')).tensors;
  const stateDict = new Map([...weights].map(([name, value]) => [name, toTf(value)]));
  const io = new Map(
    [...readSafetensors(path.join(MERLIN_FIXTURE_DIR, 'io.safetensors')).tensors].map(([name, value]) => [
      name,
      { shape: value.shape, values: plainNumbers(value.data) },
    ]),
  );
  return { config: meta.config, stateDict, io };
}

/** Any typed array of the file (int64 ones hold bigints) as plain numbers. */
function plainNumbers(data: FileTensor['data']): number[] {
  const values: number[] = [];
  for (const value of data) values.push(Number(value));
  return values;
}

export function disposeMerlinFixture(fixture: MerlinFixture): void {
  for (const value of fixture.stateDict.values()) value.dispose();
}

/** Largest |a - b| over two equally long arrays (Infinity when the lengths differ or a value is NaN). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return Number.isNaN(worst) ? Infinity : worst;
}
