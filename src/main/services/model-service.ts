/**
 * The project's base model: a CT-VLM checkpoint folder (model.safetensors + config.json), the
 * model's own tokenizer files and a preprocessing preset, copied into files/models/<id>/ so the
 * project keeps working when the source folder moves. Weights are loaded once to check them
 * (strictly, with the tokenizer against the model's vocabulary) before anything is recorded.
 */
import path from 'node:path';
import type { BaseModelInfo, SetBaseModelInput } from '../../shared/api/evaluation-schemas';
import { checkBaseModel, installBaseModel } from '../models/install-base-model';
import { getBaseModel, type BaseModelRecord } from '../store/repositories/base-model-repository';
import { openProject } from '../store/project-store';
import { resolvePreset } from '../volumes/presets';
import type { ProjectService } from './project-service';

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
    const loaded = await checkBaseModel(checkpoint, tokenizerDir);
    const registered = this.projects.resolve(projectId);
    const project = openProject(registered.path, { mode: 'write', purpose: 'setting the base model' });
    try {
      return describeBase(installBaseModel(project, { checkpoint, tokenizerDir, preset, ...loaded }));
    } finally {
      project.close();
    }
  }
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
