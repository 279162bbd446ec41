/** Loads tests/fixtures/parity/ctclip-small (written by tools/parity/make_ctclip_fixture.py). */
import fs from 'node:fs';
import path from 'node:path';
import type { CtClipConfigInput } from '../../../../../src/main/engine/models/ctclip/ctclip-config';
import type { Tensor as FileTensor } from '../../../../../src/main/engine/io/safetensors-dtypes';
import { readSafetensors } from '../../../../../src/main/engine/io/safetensors-reader';
import { tf, type Tensor } from '../../../../../src/main/engine/tf';

export const CTCLIP_FIXTURE_DIR = path.resolve(__dirname, '../../../../fixtures/parity/ctclip-small');

export interface CtClipFixture {
  config: CtClipConfigInput;
  frames: number;
  staleKeys: string[];
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

export function loadCtClipFixture(): CtClipFixture {
  const meta = JSON.parse(fs.readFileSync(path.join(CTCLIP_FIXTURE_DIR, 'config.json'), 'utf8')) as {
    config: CtClipConfigInput;
    frames: number;
    staleKeys: string[];
  };
  const weights = readSafetensors(path.join(CTCLIP_FIXTURE_DIR, 'model.safetensors')).tensors;
  const stateDict = new Map([...weights].map(([name, value]) => [name, toTf(value)]));
  const io = new Map<string, { shape: number[]; values: number[] }>();
  for (const [name, value] of readSafetensors(path.join(CTCLIP_FIXTURE_DIR, 'io.safetensors')).tensors) {
    const values: number[] = [];
    for (const v of value.data) values.push(Number(v));
    io.set(name, { shape: value.shape, values });
  }
  return { config: meta.config, frames: meta.frames, staleKeys: meta.staleKeys, stateDict, io };
}

export function disposeFixture(fixture: CtClipFixture): void {
  for (const value of fixture.stateDict.values()) value.dispose();
}

/** Largest |a - b| over two equally long arrays (Infinity when the lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return Number.isNaN(worst) ? Infinity : worst;
}
