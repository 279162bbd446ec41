/**
 * The model library: imported foundation models in `<dataDir>/models/<id>/`, one folder each:
 *
 *   model.safetensors   every tensor the model keeps, F32 (integer buffers as stored)
 *   config.json         { architecture, format_version, modelId, preset, config }: what to build
 *   tokenizer/          the model's own tokenizer files, when given at import
 *   import.json         where it came from: the source file's path, sha256 and size, the config
 *                       as given and as resolved, the key check's notes, the date
 *
 * An import builds its folder under a temporary name (`.import-<random>/`, with the importing
 * process's id in owner.json) and renames it into place only when complete, so a cancelled,
 * failed or killed import never leaves a half model; leftovers of dead processes are removed by
 * the next import or listing.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  FoundationArchSchema,
  FoundationModelIdSchema,
  type FoundationModelInfo,
} from '../../../shared/api/foundation-model-schemas';
import { UserError } from '../../../shared/errors';
import { resolveFoundationConfig, type FoundationConfig } from './foundation-config';

export const LIBRARY_DIR = 'models';
export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export const IMPORT_RECORD_FILE = 'import.json';
export const TOKENIZER_DIR = 'tokenizer';
const TEMP_PREFIX = '.import-';
const OWNER_FILE = 'owner.json';
const OWNERLESS_GRACE_MS = 60_000;
export const LIBRARY_FORMAT_VERSION = 1;

export const ModelConfigFileSchema = z.object({
  architecture: FoundationArchSchema,
  format_version: z.literal(LIBRARY_FORMAT_VERSION),
  modelId: FoundationModelIdSchema,
  preset: z.string(),
  config: z.record(z.string(), z.unknown()),
});
export type ModelConfigFile = z.infer<typeof ModelConfigFileSchema>;

export const ImportRecordSchema = z.object({
  format_version: z.literal(LIBRARY_FORMAT_VERSION),
  id: FoundationModelIdSchema,
  arch: FoundationArchSchema,
  source: z.object({
    file: z.string(),
    format: z.enum(['torch', 'safetensors']),
    sha256: z.string(),
    sizeBytes: z.number().int().nonnegative(),
  }),
  config: z.object({ file: z.string().nullable(), given: z.unknown(), resolved: z.record(z.string(), z.unknown()) }),
  tokenizer: z.object({ from: z.string(), files: z.array(z.string()) }).nullable(),
  keyCheck: z.object({
    expected: z.number().int(),
    found: z.number().int(),
    matched: z.number().int(),
    dropped: z.array(z.object({ name: z.string(), reason: z.string() })),
    optionalMissing: z.array(z.object({ name: z.string(), reason: z.string() })),
  }),
  notes: z.array(z.string()),
  parameters: z.number().int().nonnegative(),
  tensors: z.number().int().nonnegative(),
  weights: z.object({ sha256: z.string(), sizeBytes: z.number().int().nonnegative() }),
  importedAt: z.string(),
  workbench: z.string(),
});
export type ImportRecord = z.infer<typeof ImportRecordSchema>;

export function libraryDir(dataDir: string): string {
  return path.join(dataDir, LIBRARY_DIR);
}

/** A model id from a name: lower-case, safe characters only. */
export function modelIdFrom(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 80);
  if (!FoundationModelIdSchema.safeParse(id).success) {
    throw new UserError('INVALID_INPUT', `"${name}" gives no usable model id: choose a --name with letters or digits.`);
  }
  return id;
}

/** A fresh temporary folder for an import, owned by this process. */
export function createImportFolder(dataDir: string): string {
  const root = libraryDir(dataDir);
  fs.mkdirSync(root, { recursive: true });
  removeStaleImports(dataDir);
  const folder = path.join(root, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(folder);
  fs.writeFileSync(
    path.join(folder, OWNER_FILE),
    JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }),
  );
  return folder;
}

/** Remove temporary import folders whose process is gone (a killed import). */
export function removeStaleImports(dataDir: string): string[] {
  const root = libraryDir(dataDir);
  if (!fs.existsSync(root)) return [];
  const removed: string[] = [];
  for (const entry of fs.readdirSync(root)) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const folder = path.join(root, entry);
    let pid: number | null = null;
    try {
      const owner = JSON.parse(fs.readFileSync(path.join(folder, OWNER_FILE), 'utf8')) as { pid?: unknown };
      pid = typeof owner.pid === 'number' ? owner.pid : null;
    } catch {
      pid = null;
    }
    if (pid === process.pid || (pid !== null && isAlive(pid))) continue;
    // No owner yet (being created) or no longer (being renamed into place): leave recent ones alone.
    if (pid === null && Date.now() - fs.statSync(folder).mtimeMs < OWNERLESS_GRACE_MS) continue;
    fs.rmSync(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Move a complete import folder to its final name; refuses to replace another model. */
export function publishImportFolder(temporary: string, dataDir: string, id: string): string {
  fs.rmSync(path.join(temporary, OWNER_FILE), { force: true });
  const target = path.join(libraryDir(dataDir), id);
  if (fs.existsSync(target)) throw modelExists(id, target);
  try {
    fs.renameSync(temporary, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw modelExists(id, target);
    throw new UserError('IO_ERROR', `Could not move the imported model into ${target} (${code ?? String(error)}).`, {
      cause: error,
    });
  }
  return target;
}

function modelExists(id: string, target: string): UserError {
  return new UserError(
    'INVALID_INPUT',
    `A different model is already stored as "${id}" (${target}): import under another --name, or delete that folder first.`,
  );
}

export interface LibraryModel {
  id: string;
  folder: string;
  config: ModelConfigFile;
  foundation: FoundationConfig;
  record: ImportRecord;
}

/** A model by id (or by its folder's path). */
export function openLibraryModel(dataDir: string, idOrFolder: string): LibraryModel {
  const byId = FoundationModelIdSchema.safeParse(idOrFolder).success
    ? path.join(libraryDir(dataDir), idOrFolder)
    : null;
  const folder = byId && fs.existsSync(byId) ? byId : path.resolve(idOrFolder);
  if (!fs.existsSync(path.join(folder, CONFIG_FILE))) {
    const known = listLibraryModels(dataDir).map((model) => model.id);
    throw new UserError(
      'INVALID_INPUT',
      `No imported model "${idOrFolder}"${known.length > 0 ? `; the library has ${known.join(', ')}` : '; the library is empty'}. ` +
        'Import one with `ctvlm model import FILE --arch merlin|ctclip`.',
    );
  }
  return readModelFolder(folder);
}

export function readModelFolder(folder: string): LibraryModel {
  const config = ModelConfigFileSchema.parse(readJson(path.join(folder, CONFIG_FILE)));
  const record = ImportRecordSchema.parse(readJson(path.join(folder, IMPORT_RECORD_FILE)));
  const foundation = resolveFoundationConfig(
    config.architecture,
    { config: config.config },
    path.join(folder, CONFIG_FILE),
  );
  return { id: config.modelId, folder, config, foundation, record };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${file} is missing or damaged (${(error as Error).message}): import the model again.`,
      { cause: error },
    );
  }
}

/** Every model in the library, by id; damaged folders are skipped. */
export function listLibraryModels(dataDir: string): LibraryModel[] {
  const root = libraryDir(dataDir);
  if (!fs.existsSync(root)) return [];
  removeStaleImports(dataDir);
  const models: LibraryModel[] = [];
  for (const entry of fs.readdirSync(root).sort()) {
    if (entry.startsWith('.')) continue;
    try {
      models.push(readModelFolder(path.join(root, entry)));
    } catch {
      // A folder that is not a complete model (copied in by hand, damaged): not listed.
    }
  }
  return models;
}

export function describeLibraryModel(model: LibraryModel): FoundationModelInfo {
  const { record } = model;
  return {
    id: model.id,
    arch: record.arch,
    configName: model.foundation.config.name,
    parameters: record.parameters,
    tensors: record.tensors,
    sizeBytes: record.weights.sizeBytes,
    weightsSha256: record.weights.sha256,
    preset: model.config.preset,
    hasTokenizer: record.tokenizer !== null,
    source: { file: record.source.file, sha256: record.source.sha256, sizeBytes: record.source.sizeBytes },
    importedAt: record.importedAt,
    path: model.folder,
  };
}
