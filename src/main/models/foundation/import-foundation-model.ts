/**
 * Import a published checkpoint into the model library (model-library.ts), streaming: the strict
 * key check runs on names and shapes before any weight is read (a checkpoint of another
 * architecture is refused with the report and nothing is written); then the source file is
 * hashed, and each tensor is read, converted to F32, appended to the new model.safetensors and
 * dropped, so the import needs about the largest tensor's size in memory, not the file's.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {
  ImportFoundationModelInput,
  ImportFoundationModelResult,
} from '../../../shared/api/foundation-model-schemas';
import { UserError } from '../../../shared/errors';
import { APP_NAME, APP_VERSION } from '../../app-version';
import type { SafetensorsDtype, Tensor } from '../../engine/io/safetensors-dtypes';
import { checkStateDict, formatStateDictReport } from '../../engine/io/state-dict-check';
import { loadTokenizer } from '../../text/tokenizer';
import { openCheckpointSource, type CheckpointSource } from './checkpoint-source';
import { ARCH_PRESETS, expectedTensors, parameterCount } from './foundation-arch';
import { fullConfig, readFoundationConfig } from './foundation-config';
import {
  CONFIG_FILE,
  createImportFolder,
  describeLibraryModel,
  IMPORT_RECORD_FILE,
  LIBRARY_FORMAT_VERSION,
  listLibraryModels,
  modelIdFrom,
  publishImportFolder,
  readModelFolder,
  TOKENIZER_DIR,
  WEIGHTS_FILE,
  type ImportRecord,
  type ModelConfigFile,
} from './model-library';
import { createStreamingSafetensorsWriter, type PlannedTensor } from './streaming-safetensors-writer';

/** The tokenizer files copied with a model (whichever exist). */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
];

export interface ImportProgress {
  progress(done: number, total: number, message: string): void;
  throwIfCancelled(): void;
}

const HASH_CHUNK = 8 * 2 ** 20;

export async function importFoundationModel(
  dataDir: string,
  input: ImportFoundationModelInput,
  reporter: ImportProgress,
): Promise<ImportFoundationModelResult> {
  const file = path.resolve(input.file);
  const foundation = input.config
    ? readFoundationConfig(input.arch, path.resolve(input.config))
    : fullConfig(input.arch);
  const id = modelIdFrom(input.name ?? path.basename(file).replace(/\.(pt|pth|bin|ckpt|safetensors)$/i, ''));
  const tokenizerDir = input.tokenizer ? path.resolve(input.tokenizer) : null;
  const tokenizerFiles = tokenizerDir ? checkTokenizer(tokenizerDir, foundation.config.text.vocabSize) : [];

  const source = openCheckpointSource(file);
  try {
    const expected = expectedTensors(foundation);
    const report = checkStateDict(source.tensors, expected);
    const modelName = `${input.arch} (${foundation.config.name})`;
    if (!report.ok) {
      throw new UserError(
        'CHECKPOINT_INVALID',
        `${file} does not fit ${modelName}; nothing was imported.\n${formatStateDictReport(report, { model: modelName })}` +
          (input.config
            ? ''
            : "\nWithout --config the released model's sizes are assumed: give the config of a smaller variant with --config."),
      );
    }
    const sizeBytes = fs.statSync(file).size;
    const planned: PlannedTensor[] = expected
      .filter((tensor) => source.tensors.has(tensor.name))
      .map((tensor) => ({ name: tensor.name, shape: tensor.shape, dtype: storedDtype(tensor.name) }));
    const tensorBytes = planned.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const total = sizeBytes + tensorBytes;

    const sourceSha256 = await hashFile(file, sizeBytes, (done) => {
      reporter.throwIfCancelled();
      reporter.progress(done, total, `Hashing ${path.basename(file)}`);
    });
    const resolved = foundation.config as unknown as Record<string, unknown>;
    const same = listLibraryModels(dataDir).find(
      (model) =>
        model.record.source.sha256 === sourceSha256 &&
        model.record.arch === input.arch &&
        JSON.stringify(model.config.config) === JSON.stringify(resolved),
    );
    if (same) {
      reporter.progress(total, total, `Already imported as ${same.id}`);
      return { model: describeLibraryModel(same), alreadyImported: true, notes: [] };
    }
    if (listLibraryModels(dataDir).some((model) => model.id === id)) {
      throw new UserError(
        'INVALID_INPUT',
        `A different model is already stored as "${id}": import under another --name.`,
      );
    }

    const notes = [
      ...source.notes,
      ...report.dropped.map((t) => `dropped ${t.name}: ${t.reason}`),
      ...report.optionalMissing.map((t) => `absent ${t.name}: ${t.reason}`),
    ];
    const temporary = createImportFolder(dataDir);
    try {
      const weights = writeWeights(temporary, source, planned, (written, name) => {
        reporter.throwIfCancelled();
        reporter.progress(sizeBytes + written, total, `Converting ${name}`);
      });
      const configFile: ModelConfigFile = {
        architecture: input.arch,
        format_version: LIBRARY_FORMAT_VERSION,
        modelId: id,
        preset: ARCH_PRESETS[input.arch],
        config: resolved,
      };
      fs.writeFileSync(path.join(temporary, CONFIG_FILE), `${JSON.stringify(configFile, null, 2)}\n`);
      for (const name of tokenizerFiles) {
        fs.mkdirSync(path.join(temporary, TOKENIZER_DIR), { recursive: true });
        fs.copyFileSync(path.join(tokenizerDir ?? '', name), path.join(temporary, TOKENIZER_DIR, name));
      }
      const record: ImportRecord = {
        format_version: LIBRARY_FORMAT_VERSION,
        id,
        arch: input.arch,
        source: { file, format: source.format, sha256: sourceSha256, sizeBytes },
        config: {
          file: input.config ? path.resolve(input.config) : null,
          given: input.config ? (JSON.parse(fs.readFileSync(path.resolve(input.config), 'utf8')) as unknown) : null,
          resolved,
        },
        tokenizer: tokenizerDir ? { from: tokenizerDir, files: tokenizerFiles } : null,
        keyCheck: {
          expected: report.expectedCount,
          found: report.foundCount,
          matched: report.matched,
          dropped: report.dropped.map(({ name, reason }) => ({ name, reason })),
          optionalMissing: report.optionalMissing.map(({ name, reason }) => ({ name, reason })),
        },
        notes,
        parameters: parameterCount(foundation),
        tensors: planned.length,
        weights,
        importedAt: new Date().toISOString(),
        workbench: `${APP_NAME} ${APP_VERSION}`,
      };
      // import.json last: a folder with it is complete (and only complete folders are renamed into place).
      fs.writeFileSync(path.join(temporary, IMPORT_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
      reporter.throwIfCancelled();
      const folder = publishImportFolder(temporary, dataDir, id);
      reporter.progress(total, total, `Imported ${id}`);
      return { model: describeLibraryModel(readModelFolder(folder)), alreadyImported: false, notes };
    } catch (error) {
      fs.rmSync(temporary, { recursive: true, force: true });
      throw error;
    }
  } finally {
    source.close();
  }
}

/** BatchNorm's step counter stays an integer (I64, as PyTorch keeps it); everything else is F32. */
function storedDtype(name: string): SafetensorsDtype {
  return /(^|\.)num_batches_tracked$/.test(name) ? 'I64' : 'F32';
}

function convert(tensor: Tensor, dtype: SafetensorsDtype, name: string, file: string): Tensor {
  if (tensor.dtype === dtype) return tensor;
  if (dtype === 'I64') {
    const data = new BigInt64Array(tensor.data.length);
    for (let i = 0; i < data.length; i += 1) {
      const value = tensor.data[i] ?? 0;
      if (typeof value === 'bigint') data[i] = value;
      else if (Number.isInteger(value)) data[i] = BigInt(value);
      else throw new UserError('CHECKPOINT_INVALID', `${file}: ${name} holds ${value}, which is not a whole number.`);
    }
    return { dtype: 'I64', shape: tensor.shape, data };
  }
  const data = new Float32Array(tensor.data.length);
  for (let i = 0; i < data.length; i += 1) data[i] = Number(tensor.data[i] ?? 0);
  return { dtype: 'F32', shape: tensor.shape, data };
}

function writeWeights(
  folder: string,
  source: CheckpointSource,
  planned: readonly PlannedTensor[],
  onTensor: (writtenBytes: number, name: string) => void,
): { sha256: string; sizeBytes: number } {
  const writer = createStreamingSafetensorsWriter(
    path.join(folder, WEIGHTS_FILE),
    planned,
    new Map([['format', 'pt']]),
  );
  try {
    let written = 0;
    for (const plan of writer.order) {
      onTensor(written, plan.name);
      const tensor = convert(source.read(plan.name), plan.dtype, plan.name, source.file);
      writer.write(plan.name, tensor);
      written += tensor.data.length * 4;
    }
    return writer.finish();
  } catch (error) {
    writer.abort();
    throw error;
  }
}

async function hashFile(file: string, size: number, onChunk: (done: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  onChunk(0);
  const stream = fs.createReadStream(file, { highWaterMark: HASH_CHUNK });
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      done += bytes.length;
      onChunk(Math.min(done, size));
    }
  } finally {
    stream.destroy();
  }
  return hash.digest('hex');
}

/** The tokenizer loads offline and fits the model's vocabulary; returns the files to copy. */
function checkTokenizer(folder: string, vocabSize: number): string[] {
  const tokenizer = loadTokenizer(folder);
  if (tokenizer.vocabSize > vocabSize) {
    throw new UserError(
      'INVALID_INPUT',
      `The tokenizer in ${folder} has ${tokenizer.vocabSize} tokens but the model embeds only ${vocabSize}: use the model's own tokenizer.`,
    );
  }
  return TOKENIZER_FILES.filter((name) => fs.existsSync(path.join(folder, name)));
}
