/** Loads tests/fixtures/parity/ctclip-small (written by tools/parity/make_ctclip_fixture.py). */
import path from 'node:path';
import type { CtClipConfigInput } from '../../../../../src/main/engine/models/ctclip/ctclip-config';
import type { Tensor } from '../../../../../src/main/engine/tf';
import { disposeParityStateDict, readParityFixture } from '../../../../helpers/parity-fixture';

export { maxAbsDiff } from '../../../../helpers/parity-fixture';

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

export function loadCtClipFixture(): CtClipFixture {
  const { meta, stateDict, io } = readParityFixture(CTCLIP_FIXTURE_DIR);
  const { config, frames, staleKeys } = meta as { config: CtClipConfigInput; frames: number; staleKeys: string[] };
  return { config, frames, staleKeys, stateDict, io };
}

export function disposeFixture(fixture: CtClipFixture): void {
  disposeParityStateDict(fixture.stateDict);
}
