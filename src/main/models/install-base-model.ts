/**
 * A project's base model: checked (it loads strictly, its tokenizer fits its vocabulary), then its
 * weights, config and tokenizer files copied into files/models/<id>-<sha12>/ (weights first, config
 * last, each written then renamed: a folder with a config always has complete weights) and
 * recorded with its preset in the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors';
import { CHECKPOINT_CONFIG_FILE, CHECKPOINT_WEIGHTS_FILE } from '../engine/io/checkpoint-config';
import { loadCheckpoint } from '../engine/io/model-checkpoint';
import { copyFileAtomic } from '../fs/atomic-write';
import { baseModelArch } from './load-base-model';
import { setBaseModel, type BaseModelRecord } from '../store/repositories/base-model-repository';
import { PROJECT_FILES_DIR } from '../store/project-schema';
import type { Project } from '../store/project-store';
import { loadTokenizer } from '../text/tokenizer';
import type { Preset } from '../volumes/preset-schema';

const MODELS_DIR = 'models';
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

/** Load the checkpoint and tokenizer and check that they fit; the model is released again. */
export async function checkBaseModel(
  checkpoint: string,
  tokenizerDir: string,
): Promise<{ modelId: string; sha256: string }> {
  // A library model's folder has its own way in; anything else is loadCheckpoint's to judge.
  const arch = (() => {
    try {
      return baseModelArch(checkpoint);
    } catch {
      return 'ctvlm';
    }
  })();
  if (arch !== 'ctvlm') {
    throw new UserError(
      'INVALID_INPUT',
      `${checkpoint} is a ${arch} model folder: import the checkpoint into the model library (\`ctvlm model import\`) and set it with \`ctvlm model set-base PROJECT --library ID\`.`,
    );
  }
  const tokenizer = loadTokenizer(tokenizerDir);
  const loaded = await loadCheckpoint(checkpoint);
  try {
    loaded.model.assertTokenizerFits(tokenizer.vocabSize);
  } finally {
    loaded.model.dispose();
  }
  return { modelId: loaded.modelId, sha256: loaded.sha256 };
}

export function installBaseModel(
  project: Project,
  source: { checkpoint: string; tokenizerDir: string; preset: Preset; modelId: string; sha256: string },
): BaseModelRecord {
  const relative = path.posix.join(
    PROJECT_FILES_DIR,
    MODELS_DIR,
    `${safeName(source.modelId)}-${source.sha256.slice(0, 12)}`,
  );
  const destination = path.join(project.dir, relative);
  if (path.resolve(destination) !== path.resolve(source.checkpoint)) {
    copyFileAtomic(
      path.join(source.checkpoint, CHECKPOINT_WEIGHTS_FILE),
      path.join(destination, CHECKPOINT_WEIGHTS_FILE),
    );
    for (const name of TOKENIZER_FILES) {
      const file = path.join(source.tokenizerDir, name);
      if (fs.existsSync(file)) copyFileAtomic(file, path.join(destination, 'tokenizer', name));
    }
    copyFileAtomic(
      path.join(source.checkpoint, CHECKPOINT_CONFIG_FILE),
      path.join(destination, CHECKPOINT_CONFIG_FILE),
    );
  }
  const record: BaseModelRecord = {
    modelId: source.modelId,
    sha256: source.sha256,
    path: relative,
    tokenizerPath: path.posix.join(relative, 'tokenizer'),
    preset: source.preset,
    sizeBytes: fs.statSync(path.join(destination, CHECKPOINT_WEIGHTS_FILE)).size,
    setAt: new Date().toISOString(),
  };
  setBaseModel(project, record);
  return record;
}

function safeName(modelId: string): string {
  const name = modelId
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 60);
  if (name.length === 0) throw new UserError('INVALID_INPUT', 'The checkpoint has an empty modelId.');
  return name;
}
