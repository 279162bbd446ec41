/**
 * Use cases on a project's LoRA adapters: list, import and export PEFT folders, delete, merge
 * into a standalone checkpoint. Adapter files live in <project>/files/adapters/<name>/; the
 * `adapters` table keeps their path, sha256, size and config, never the tensors. Writes to the
 * project take its write lock. Merge runs in this process (quick for the small models here).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AdapterNameSchema,
  type AdapterRow,
  type ImportAdapterInput,
  type MergeAdapterInput,
  type MergedCheckpoint,
} from '../../shared/api/adapter-schemas';
import { UserError } from '../../shared/errors';
import { AdapterConfigSchema, type AdapterConfig } from '../engine/io/adapter-config';
import { mergeAdapterIntoCheckpoint } from '../engine/io/merge-adapter-checkpoint';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, readAdapter } from '../engine/io/peft-adapter';
import { sha256File } from '../engine/io/sha256-file';
import {
  checkpointSizeBySha256,
  deleteAdapterRecord,
  findAdapterByName,
  getAdapterRecord,
  insertAdapterRecord,
  listAdapterRecords,
  setActiveAdapter,
  type AdapterRecord,
} from '../store/repositories/adapter-repository';
import { getBaseModel } from '../store/repositories/base-model-repository';
import { findRunCheckpoint } from '../store/repositories/run-checkpoint-repository';
import { PROJECT_FILES_DIR } from '../store/project-schema';
import { openProject, type Project } from '../store/project-store';
import { copyAdapterFiles, requireNewOrEmptyFolder } from './adapter-folders';
import type { ProjectService } from './project-service';

const ADAPTERS_DIR = 'adapters';

export class AdapterService {
  constructor(private readonly projects: ProjectService) {}

  list(projectId: string): AdapterRow[] {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      listAdapterRecords(project.db).map((record) => describe(project, record)),
    );
  }

  /**
   * Make an adapter the project's active one (null: none, the base model again): evaluations and
   * Grad-CAM use it when no model is named. Returns the adapters as listed.
   */
  activate(projectId: string, adapterId: number | null): AdapterRow[] {
    const project = this.openForWriting(
      projectId,
      adapterId === null ? 'clearing the active adapter' : `activating adapter ${adapterId}`,
    );
    try {
      if (adapterId !== null) getAdapterRecord(project.db, adapterId, project.dir);
      setActiveAdapter(project.db, adapterId);
      return listAdapterRecords(project.db).map((record) => describe(project, record));
    } finally {
      project.close();
    }
  }

  /** Validate a PEFT folder, copy its two files into the project, register it. */
  async import(projectId: string, input: ImportAdapterInput): Promise<AdapterRow> {
    const source = path.resolve(input.folder);
    const name = input.name ?? path.basename(source);
    const project = this.openForWriting(projectId, `importing adapter "${name}"`);
    try {
      return await register(project, source, name, null);
    } finally {
      project.close();
    }
  }

  /** Register a LoRA run's best (else last) checkpoint as an adapter of the project, under `name` or "<run>-<tag>". */
  async fromRun(projectId: string, run: string, name: string | null): Promise<AdapterRow> {
    const project = this.openForWriting(projectId, `saving run "${run}" as an adapter`);
    try {
      const checkpoint = findRunCheckpoint(project.db, run);
      const source = path.join(project.dir, checkpoint.path);
      if (!fs.existsSync(path.join(source, ADAPTER_CONFIG_FILE))) {
        throw new UserError(
          'INVALID_INPUT',
          `Run "${checkpoint.runName}" trained whole weights, so its ${checkpoint.tag} checkpoint is a whole model, not an adapter; evaluate it with --run ${checkpoint.runName}.`,
        );
      }
      const wanted = name ?? `${checkpoint.runName}-${checkpoint.tag}`.replace(/[^A-Za-z0-9._-]/g, '-');
      return await register(project, source, wanted, checkpoint.runId);
    } finally {
      project.close();
    }
  }

  /** Copy an adapter's PEFT files to a new or empty folder, after checking they are intact. */
  async export(projectId: string, adapterId: number, folder: string): Promise<{ folder: string }> {
    const target = path.resolve(folder);
    const { record, dir } = this.locate(projectId, adapterId);
    requireNewOrEmptyFolder(target, 'exported adapter');
    const weights = path.join(dir, ADAPTER_WEIGHTS_FILE);
    const sha256 = await sha256File(weights);
    if (sha256 !== record.sha256) {
      throw new UserError(
        'IO_ERROR',
        `${weights} has changed since adapter "${record.name}" was imported (sha256 ${sha256}, recorded ${record.sha256}); it was not exported. Import the adapter again.`,
      );
    }
    copyAdapterFiles(dir, target);
    return { folder: target };
  }

  /** Remove the row (and with it the active mark), then the folder (an interrupted delete leaves only an unregistered folder). */
  delete(projectId: string, adapterId: number): { deleted: true; name: string } {
    const project = this.openForWriting(projectId, `deleting adapter ${adapterId}`);
    try {
      const record = getAdapterRecord(project.db, adapterId, project.dir);
      const dir = adapterDir(project, record);
      deleteAdapterRecord(project.db, adapterId);
      fs.rmSync(dir, { recursive: true, force: true });
      return { deleted: true, name: record.name };
    } finally {
      project.close();
    }
  }

  /** Fold an adapter into its base checkpoint and write a standalone checkpoint folder. */
  async merge(projectId: string, input: MergeAdapterInput): Promise<MergedCheckpoint> {
    const output = path.resolve(input.output);
    const { record, dir } = this.locate(projectId, input.adapterId);
    requireNewOrEmptyFolder(output, 'merged checkpoint');
    const info = await mergeAdapterIntoCheckpoint(dir, path.resolve(input.baseCheckpoint), output, {
      modelId: `${record.baseModel}+${record.name}`,
    });
    return { path: info.folder, modelId: info.modelId, sha256: info.sha256, sizeBytes: info.sizeBytes };
  }

  private locate(projectId: string, adapterId: number): { record: AdapterRecord; dir: string } {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => {
      const record = getAdapterRecord(project.db, adapterId, project.dir);
      return { record, dir: adapterDir(project, record) };
    });
  }

  private openForWriting(projectId: string, purpose: string): Project {
    return openProject(this.projects.resolve(projectId).path, { mode: 'write', purpose });
  }
}

/** The adapter's folder, refusing a recorded path that leads outside files/adapters/. */
function adapterDir(project: Project, record: AdapterRecord): string {
  const root = path.join(project.filesDir, ADAPTERS_DIR);
  const dir = path.resolve(project.dir, record.path);
  if (path.dirname(dir) !== root) {
    throw new UserError(
      'PROJECT_CORRUPT',
      `Adapter "${record.name}" is recorded at ${record.path}, outside ${root}; the project database was edited by hand.`,
    );
  }
  return dir;
}

function describe(project: Project, record: AdapterRecord): AdapterRow {
  const config = storedConfig(record);
  // The base checkpoint's size: a run's checkpoint with these weights, else the project's base model.
  const base = getBaseModel(project);
  const checkpointSize =
    checkpointSizeBySha256(project.db, record.baseModelSha256) ??
    (base?.sha256 === record.baseModelSha256 ? base.sizeBytes : null);
  return {
    id: record.id,
    name: record.name,
    baseModel: record.baseModel,
    baseModelSha256: record.baseModelSha256,
    sizeBytes: record.sizeBytes,
    trainableParams: record.trainableParams,
    rank: config.r,
    alpha: config.lora_alpha,
    targets: config.target_modules,
    createdAt: record.createdAt,
    runId: record.runId,
    baseCheckpointSizeBytes: checkpointSize,
    sizeRatio: checkpointSize ? record.sizeBytes / checkpointSize : null,
    active: record.active,
  };
}

/** Check a PEFT folder, copy its two files into files/adapters/<name>, register it (with the run it came from). */
async function register(project: Project, source: string, name: string, runId: number | null): Promise<AdapterRow> {
  const checkedName = AdapterNameSchema.safeParse(name);
  if (!checkedName.success) {
    throw new UserError(
      'INVALID_INPUT',
      `"${name}" cannot name an adapter: ${checkedName.error.issues[0]?.message ?? 'invalid'}. Give another name with --name.`,
    );
  }
  const adapter = readAdapter(source);
  if (findAdapterByName(project.db, name)) {
    throw new UserError(
      'INVALID_INPUT',
      `The project already has an adapter named "${name}"; choose another name with --name.`,
    );
  }
  const relative = path.posix.join(PROJECT_FILES_DIR, ADAPTERS_DIR, name);
  const destination = path.join(project.dir, relative);
  if (fs.existsSync(destination)) {
    throw new UserError(
      'INVALID_INPUT',
      `${destination} already exists but no adapter is registered there (left from an interrupted import or delete?); remove it or choose another name.`,
    );
  }
  try {
    copyAdapterFiles(source, destination);
    const copied = readAdapter(destination); // what was copied is what was checked
    const weights = path.join(destination, ADAPTER_WEIGHTS_FILE);
    const record = insertAdapterRecord(project.db, {
      runId,
      name,
      baseModel: copied.config.base_model_name_or_path,
      baseModelSha256: copied.config.ctvlm.base_model_sha256,
      path: relative,
      sha256: await sha256File(weights),
      sizeBytes: fs.statSync(weights).size,
      trainableParams: [...adapter.tensors.values()].reduce((sum, tensor) => sum + tensor.data.length, 0),
      configJson: JSON.stringify(copied.config),
    });
    return describe(project, record);
  } catch (error) {
    fs.rmSync(destination, { recursive: true, force: true });
    throw error;
  }
}

function storedConfig(record: AdapterRecord): AdapterConfig {
  let json: unknown = null;
  try {
    json = JSON.parse(record.configJson);
  } catch {
    // reported below
  }
  const parsed = AdapterConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'PROJECT_CORRUPT',
      `The recorded config of adapter "${record.name}" (id ${record.id}) is not a valid adapter config; delete the adapter and import it again.`,
    );
  }
  return parsed.data;
}
