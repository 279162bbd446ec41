/**
 * A standalone checkpoint with an adapter folded in: load the base checkpoint, put the adapter on
 * it (hash- and shape-checked), write mergedStateDict as a plain checkpoint. The result loads
 * with loadCheckpoint and needs no adapter. Runs in the calling process: it is quick for the
 * small models here (a large base would move into a job worker).
 */
import { disposeStateDict } from '../lora/lora-state-dict';
import { mergedStateDict } from '../lora/merged-state-dict';
import { loadAdapterInto } from './adapter-files';
import { loadCheckpoint, writeCheckpoint, type CheckpointInfo } from './model-checkpoint';

export async function mergeAdapterIntoCheckpoint(
  adapterFolder: string,
  baseCheckpoint: string,
  output: string,
  options: { modelId?: string } = {},
): Promise<CheckpointInfo> {
  const { model, modelId, sha256 } = await loadCheckpoint(baseCheckpoint);
  try {
    loadAdapterInto(model, adapterFolder, { modelId, sha256 });
    const merged = mergedStateDict(model);
    try {
      return writeCheckpoint(output, model.config, merged, {
        modelId: options.modelId ?? `${modelId}+adapter`,
      });
    } finally {
      disposeStateDict(merged);
    }
  } finally {
    model.dispose();
  }
}
