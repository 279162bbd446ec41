/**
 * The project's base model: a CT-VLM checkpoint folder (model.safetensors + config.json) with the
 * model's own tokenizer files and a preprocessing preset, or a Merlin / CT-CLIP from the data
 * folder's model library (with the tokenizer it was imported with and, unless another is given,
 * its own preset), put into files/models/<id>/ so the project keeps working when the source moves.
 * Weights are loaded once to check them (strictly, with the tokenizer against the model's
 * vocabulary) before anything is recorded.
 */
import path from 'node:path';
import type { BaseModelInfo, SetBaseModelInput } from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';
import { openLibraryModel } from '../models/foundation/model-library';
import { checkBaseModel, installBaseModel } from '../models/install-base-model';
import { checkLibraryBaseModel, installLibraryBaseModel } from '../models/install-library-model';
import { loadBaseModel } from '../models/load-base-model';
import { getBaseModel, type BaseModelRecord } from '../store/repositories/base-model-repository';
import { openProject } from '../store/project-store';
import { resolvePreset } from '../volumes/presets';
import type { ProjectService } from './project-service';

export class ModelService {
  constructor(
    private readonly projects: ProjectService,
    /** The data folder, whose models/ is the model library. */
    private readonly dataDir: string | null = null,
  ) {}

  base(projectId: string): BaseModelInfo | null {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => {
      const record = getBaseModel(project);
      return record ? describeBase(record) : null;
    });
  }

  async setBase(projectId: string, input: SetBaseModelInput): Promise<BaseModelInfo> {
    if (input.library !== undefined) {
      if (input.checkpoint !== undefined || input.tokenizer !== undefined) {
        throw new UserError(
          'INVALID_INPUT',
          'Give either a library model or a checkpoint folder with its tokenizer, not both: a library model brings its own tokenizer.',
        );
      }
      return this.setLibraryBase(projectId, input.library, input.preset);
    }
    if (input.checkpoint === undefined || input.tokenizer === undefined || input.preset === undefined) {
      throw new UserError(
        'INVALID_INPUT',
        'A base model needs a checkpoint folder with its tokenizer folder and preset (--tokenizer, --preset), or a model-library id (--library).',
      );
    }
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

  private async setLibraryBase(projectId: string, id: string, presetName: string | undefined): Promise<BaseModelInfo> {
    if (this.dataDir === null) throw new UserError('INVALID_INPUT', 'No data folder, so no model library, here.');
    const library = openLibraryModel(this.dataDir, id);
    const preset = resolvePreset(presetName ?? library.config.preset);
    checkLibraryBaseModel(library, preset);
    // Load it strictly once, as a checkpoint base is checked, before anything is written.
    const loaded = await loadBaseModel(library.folder);
    loaded.model.dispose();
    const registered = this.projects.resolve(projectId);
    const project = openProject(registered.path, { mode: 'write', purpose: 'setting the base model' });
    try {
      return describeBase(installLibraryBaseModel(project, library, preset));
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
