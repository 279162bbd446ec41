/**
 * The project's base model: a CT-VLM checkpoint folder (model.safetensors + config.json), the
 * model's own tokenizer files and a preprocessing preset, copied into files/models/<id>/ so the
 * project keeps working when the source folder moves. Weights are loaded once to check them
 * (strictly, with the tokenizer against the model's vocabulary) before anything is recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BaseModelInfo, SetBaseModelInput } from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';
import { CHECKPOINT_CONFIG_FILE, CHECKPOINT_WEIGHTS_FILE } from '../engine/io/checkpoint-config';
import { loadCheckpoint } from '../engine/io/model-checkpoint';
import { copyFileAtomic } from '../fs/atomic-write';
import { getBaseModel, setBaseModel, type BaseModelRecord } from '../store/repositories/base-model-repository';
import { PROJECT_FILES_DIR } from '../store/project-schema';
import { openProject } from '../store/project-store';
import { loadTokenizer } from '../text/tokenizer';
import { resolvePreset } from '../volumes/presets';
import type { ProjectService } from './project-service';

const MODELS_DIR = 'models';
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

export class ModelService {
  constructor(private readonly projects: ProjectService) {}

  base(projectId: string): BaseModelInfo | null {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => {
      const record = getBaseModel(project);
      return record ? describeBase(record) : null;
    });
  }

  async setBase(projectId: string, input: SetBaseModelInput): Promise<BaseModelInfo> {
    const checkpoint = path.resolve(input.checkpoint);
    const tokenizerDir = path.resolve(input.tokenizer);
    const preset = resolvePreset(input.preset);
    const tokenizer = loadTokenizer(tokenizerDir);
    const loaded = await loadCheckpoint(checkpoint);
    try {
      loaded.model.assertTokenizerFits(tokenizer.vocabSize);
    } finally {
      loaded.model.dispose();
    }
    const registered = this.projects.resolve(projectId);
    const project = openProject(registered.path, { mode: 'write', purpose: 'setting the base model' });
    try {
      const relative = path.posix.join(
        PROJECT_FILES_DIR,
        MODELS_DIR,
        `${safeName(loaded.modelId)}-${loaded.sha256.slice(0, 12)}`,
      );
      const destination = path.join(project.dir, relative);
      if (path.resolve(destination) !== checkpoint) {
        // Weights first, config last: a folder with a config always has complete weights.
        copyFileAtomic(path.join(checkpoint, CHECKPOINT_WEIGHTS_FILE), path.join(destination, CHECKPOINT_WEIGHTS_FILE));
        for (const name of TOKENIZER_FILES) {
          const file = path.join(tokenizerDir, name);
          if (fs.existsSync(file)) copyFileAtomic(file, path.join(destination, 'tokenizer', name));
        }
        copyFileAtomic(path.join(checkpoint, CHECKPOINT_CONFIG_FILE), path.join(destination, CHECKPOINT_CONFIG_FILE));
      }
      const record: BaseModelRecord = {
        modelId: loaded.modelId,
        sha256: loaded.sha256,
        path: relative,
        tokenizerPath: path.posix.join(relative, 'tokenizer'),
        preset,
        sizeBytes: fs.statSync(path.join(destination, CHECKPOINT_WEIGHTS_FILE)).size,
        setAt: new Date().toISOString(),
      };
      setBaseModel(project, record);
      return describeBase(record);
    } finally {
      project.close();
    }
  }
}

function safeName(modelId: string): string {
  const name = modelId
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 60);
  if (name.length === 0) throw new UserError('INVALID_INPUT', 'The checkpoint has an empty modelId.');
  return name;
}

function describeBase(record: BaseModelRecord): BaseModelInfo {
  return {
    modelId: record.modelId,
    sha256: record.sha256,
    path: record.path,
    preset: record.preset.name,
    sizeBytes: record.sizeBytes,
    setAt: record.setAt,
  };
}
