/**
 * A model-library model (an imported Merlin or CT-CLIP) as a project's base model: its folder's
 * files (model.safetensors, config.json, import.json with the source file's sha256, tokenizer/)
 * hard-linked into files/models/<id>-<sha12>/ when the data folder and the project share a file
 * system, copied otherwise (weights first, config.json last, each written then renamed: a folder
 * with a config always has complete weights), and recorded with its preset. The project's copy
 * is then what runs and adapters use; adapters are checked against the weights' sha256.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors';
import { copyFileAtomic } from '../fs/atomic-write';
import { setBaseModel, type BaseModelRecord } from '../store/repositories/base-model-repository';
import { PROJECT_FILES_DIR } from '../store/project-schema';
import type { Project } from '../store/project-store';
import { loadTokenizer } from '../text/tokenizer';
import type { Preset } from '../volumes/preset-schema';
import {
  CONFIG_FILE,
  IMPORT_RECORD_FILE,
  TOKENIZER_DIR,
  WEIGHTS_FILE,
  type LibraryModel,
} from './foundation/model-library';

const MODELS_DIR = 'models';

/** Refuse a library model the project could not use: no tokenizer, one too large, or a preset of the wrong size. */
export function checkLibraryBaseModel(library: LibraryModel, preset: Preset): void {
  const tokenizerDir = path.join(library.folder, TOKENIZER_DIR);
  if (library.record.tokenizer === null || !fs.existsSync(tokenizerDir)) {
    throw new UserError(
      'INVALID_INPUT',
      `${library.id} was imported without its tokenizer, which training and evaluation need: import it again with --tokenizer DIR.`,
    );
  }
  const tokenizer = loadTokenizer(tokenizerDir);
  const { config } = library.foundation;
  if (tokenizer.vocabSize > config.text.vocabSize) {
    throw new UserError(
      'INVALID_INPUT',
      `The tokenizer of ${library.id} has ${tokenizer.vocabSize} tokens but ${config.name} embeds only ${config.text.vocabSize}.`,
    );
  }
  if (library.foundation.arch === 'ctclip') {
    const { imageSize, temporalPatchSize } = library.foundation.config.image;
    const [nx, ny, nz] = preset.output.size;
    if (nx !== imageSize || ny !== imageSize || nz % temporalPatchSize !== 0) {
      throw new UserError(
        'INVALID_INPUT',
        `The preset "${preset.name}" makes ${nx}x${ny}x${nz} volumes, but ${config.name} reads ${imageSize}x${imageSize} slices, ` +
          `a multiple of ${temporalPatchSize} of them: use the model's own preset (${library.config.preset}) or one of that size.`,
      );
    }
  }
}

export function installLibraryBaseModel(project: Project, library: LibraryModel, preset: Preset): BaseModelRecord {
  const sha256 = library.record.weights.sha256;
  const relative = path.posix.join(PROJECT_FILES_DIR, MODELS_DIR, `${library.id}-${sha256.slice(0, 12)}`);
  const destination = path.join(project.dir, relative);
  const tokenizerFiles = fs
    .readdirSync(path.join(library.folder, TOKENIZER_DIR))
    .filter((name) => !name.startsWith('.') && fs.statSync(path.join(library.folder, TOKENIZER_DIR, name)).isFile());
  const files = [
    WEIGHTS_FILE,
    IMPORT_RECORD_FILE,
    ...tokenizerFiles.map((name) => path.posix.join(TOKENIZER_DIR, name)),
    CONFIG_FILE,
  ];
  for (const file of files) linkOrCopy(path.join(library.folder, file), path.join(destination, file));
  const sizeBytes = fs.statSync(path.join(destination, WEIGHTS_FILE)).size;
  if (sizeBytes !== library.record.weights.sizeBytes) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${path.join(library.folder, WEIGHTS_FILE)} is ${sizeBytes} bytes but was imported as ${library.record.weights.sizeBytes}: import the model again.`,
    );
  }
  const record: BaseModelRecord = {
    modelId: library.id,
    sha256,
    path: relative,
    tokenizerPath: path.posix.join(relative, TOKENIZER_DIR),
    preset,
    sizeBytes,
    setAt: new Date().toISOString(),
  };
  setBaseModel(project, record);
  return record;
}

/** A hard link (the library's files are never rewritten in place), or an atomic copy across file systems. */
function linkOrCopy(source: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.link`;
  fs.rmSync(temporary, { force: true });
  try {
    fs.linkSync(source, temporary);
  } catch {
    copyFileAtomic(source, target);
    return;
  }
  fs.renameSync(temporary, target);
}
