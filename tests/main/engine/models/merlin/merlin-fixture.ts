/** Loads tests/fixtures/parity/merlin-small (written by tools/parity/make_merlin_fixture.py). */
import path from 'node:path';
import type { MerlinConfigInput } from '../../../../../src/main/engine/models/merlin/merlin-config';
import type { Tensor } from '../../../../../src/main/engine/tf';
import { disposeParityStateDict, readParityFixture } from '../../../../helpers/parity-fixture';

export { maxAbsDiff } from '../../../../helpers/parity-fixture';

export const MERLIN_FIXTURE_DIR = path.resolve(__dirname, '../../../../fixtures/parity/merlin-small');

export interface MerlinFixture {
  config: MerlinConfigInput;
  /** The PyTorch state dict as tfjs tensors (int64 buffers as int32). */
  stateDict: Map<string, Tensor>;
  /** Inputs and expected outputs as plain arrays, with their shapes. */
  io: Map<string, { shape: number[]; values: number[] }>;
}

export function loadMerlinFixture(): MerlinFixture {
  const { meta, stateDict, io } = readParityFixture(MERLIN_FIXTURE_DIR);
  return { config: (meta as { config: MerlinConfigInput }).config, stateDict, io };
}

export function disposeMerlinFixture(fixture: MerlinFixture): void {
  disposeParityStateDict(fixture.stateDict);
}
