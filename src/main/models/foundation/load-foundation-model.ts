/**
 * Build an imported model and load its stored weights one tensor at a time (read, assign,
 * dispose), so loading needs the model's size plus its largest tensor, not twice the model.
 * The stored file is checked against the built model's names and shapes before anything is
 * assigned; an optional PEFT adapter is then attached (checked against the stored weights' sha256).
 */
import path from 'node:path';
import { UserError } from '../../../shared/errors';
import { loadAdapterInto } from '../../engine/io/adapter-files';
import { openSafetensors } from '../../engine/io/safetensors-reader';
import { checkStateDict, formatStateDictReport } from '../../engine/io/state-dict-check';
import { fromFileTensor } from '../../engine/io/tensor-conversion';
import type { Module } from '../../engine/module';
import { buildFoundationModel, type FoundationModel } from './foundation-arch';
import { openLibraryModel, WEIGHTS_FILE, type LibraryModel } from './model-library';

export interface LoadedFoundationModel {
  model: FoundationModel;
  library: LibraryModel;
  /** The adapter folder attached, if any. */
  adapter: string | null;
  dispose(): void;
}

export function loadFoundationModel(
  dataDir: string,
  idOrFolder: string,
  options: { adapter?: string } = {},
): LoadedFoundationModel {
  const library = openLibraryModel(dataDir, idOrFolder);
  const model = buildFoundationModel(library.foundation);
  try {
    loadLibraryWeights(model.module, library);
    model.module.eval();
    const adapter = options.adapter ? path.resolve(options.adapter) : null;
    if (adapter) loadAdapterInto(model.module, adapter, { modelId: library.id, sha256: library.record.weights.sha256 });
    return { model, library, adapter, dispose: () => model.module.dispose() };
  } catch (error) {
    model.module.dispose();
    throw error;
  }
}

/** Load a library model folder's stored weights into a built model of its config, one tensor at a time. */
export function loadLibraryWeights(module: Module, library: LibraryModel): void {
  const weightsFile = path.join(library.folder, WEIGHTS_FILE);
  const file = openSafetensors(weightsFile);
  try {
    const targets = module.stateDict();
    const expected = [...targets].map(([name, tensor]) => ({ name, shape: [...tensor.shape] }));
    const report = checkStateDict(file.tensors, expected);
    if (!report.ok) {
      throw new UserError(
        'CHECKPOINT_INVALID',
        `${weightsFile} does not fit ${library.foundation.config.name}: import the model again.\n${formatStateDictReport(report)}`,
      );
    }
    for (const name of file.tensors.keys()) {
      const target = targets.get(name);
      if (!target) continue;
      const value = fromFileTensor(name, file.read(name), target.dtype, weightsFile);
      try {
        module.loadStateDict(new Map([[name, value]]), { strict: false });
      } finally {
        value.dispose();
      }
    }
  } finally {
    file.close();
  }
}
