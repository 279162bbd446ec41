/**
 * Preprocessed volumes kept on disk per (study key, preset), so a model reads each CT's
 * preprocessed form in milliseconds instead of redoing it.
 *
 * Layout: <cache folder>/<preset name>/<key>.nii, an uncompressed NIfTI-1 file with uint16 voxels
 * and scl_slope/scl_inter (a person can open it in any viewer; it overlays the CT), beside
 * <key>.json, the record that says what it was made from. Quantising to 16 bits keeps every
 * value within (max - min) / 65535 of the computed one; a miss returns the same dequantised
 * values a later hit will, so callers never see the difference between the two.
 *
 * An entry is used only when all of these still hold:
 * - the preset definition's fingerprint and PREPROCESS_VERSION are those recorded;
 * - the source (a file, or a DICOM folder) has the recorded size and mtime, or else its sha256 is
 *   the recorded one (the whole source is hashed only when size or mtime changed);
 * - the .nii file has the size and mtime recorded right after it was written (so a .nii left by
 *   an interrupted later write is never paired with an older record).
 * Both files are written with writeFileAtomic: a failure in compute or a crash never leaves a
 * half-written file, and the .nii goes first, the record last.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as nifti from 'nifti-reader-js';
import { z } from 'zod';
import { BugError, UserError } from '../../shared/errors';
import { writeFileAtomic } from '../fs/atomic-write';
import { encodeNifti } from './nifti-writer';
import { presetFingerprint, type Preset } from './preset-schema';
import { PREPROCESS_VERSION, type PreprocessedVolume } from './preprocess';
import { voxelCount } from './volume';

const NIFTI_UINT16 = 512;

const SourceStatsSchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  /** For a folder: sha256 of its file list with sizes and mtimes; empty for a file. */
  listing: z.string(),
});
export type SourceStats = z.infer<typeof SourceStatsSchema>;

const RecordSchema = z.object({
  format: z.literal(1),
  key: z.string(),
  preprocessVersion: z.number(),
  preset: z.object({ name: z.string(), fingerprint: z.string() }),
  source: SourceStatsSchema.extend({ path: z.string(), sha256: z.string() }),
  volume: z.object({
    dims: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    affine: z.array(z.number()).length(16),
    slope: z.number(),
    intercept: z.number(),
  }),
  file: z.object({ size: z.number(), mtimeMs: z.number() }),
  createdAt: z.string(),
});
type CacheRecord = z.infer<typeof RecordSchema>;

export interface CacheLookup {
  volume: PreprocessedVolume;
  /** True when the volume came from the cache, false when it was computed (and stored). */
  hit: boolean;
  /** The cached NIfTI file. */
  file: string;
}

export class VolumeCache {
  private readonly inFlight = new Map<string, Promise<CacheLookup>>();

  /** `folder` is the project's files/cache/; each preset gets its own folder inside. */
  constructor(readonly folder: string) {}

  /** Where the entry for (key, preset) lives, whether or not it exists yet. */
  entryPath(key: string, preset: Preset): string {
    const readable = key
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^\.+/, '_')
      .slice(0, 80);
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 12);
    return path.join(this.folder, preset.name, `${readable}-${digest}.nii`);
  }

  /**
   * The preprocessed volume for `key` made from `sourcePath` with `preset`: from the cache when
   * the entry is still valid, else from `compute()`, which is then stored. Concurrent calls for
   * the same entry share one computation.
   */
  getOrCreate(
    key: string,
    sourcePath: string,
    preset: Preset,
    compute: () => Promise<PreprocessedVolume>,
  ): Promise<CacheLookup> {
    const file = this.entryPath(key, preset);
    const pending = this.inFlight.get(file);
    if (pending) return pending;
    const lookup = this.lookUpOrCompute(key, sourcePath, preset, compute, file).finally(() =>
      this.inFlight.delete(file),
    );
    this.inFlight.set(file, lookup);
    return lookup;
  }

  private async lookUpOrCompute(
    key: string,
    sourcePath: string,
    preset: Preset,
    compute: () => Promise<PreprocessedVolume>,
    file: string,
  ): Promise<CacheLookup> {
    const recordFile = file.replace(/\.nii$/, '.json');
    const fingerprint = presetFingerprint(preset);
    const stats = await statSource(sourcePath);
    const record = readRecord(recordFile);
    let sourceHash: Promise<string> | null = null;

    if (
      record?.key === key &&
      record.preprocessVersion === PREPROCESS_VERSION &&
      record.preset.fingerprint === fingerprint
    ) {
      let sourceMatches = sameStats(record.source, stats);
      if (!sourceMatches) {
        sourceHash = hashSource(sourcePath);
        sourceMatches = (await sourceHash) === record.source.sha256;
        // Touched or copied but unchanged: remember the new stats so the next check is cheap.
        if (sourceMatches) writeRecord(recordFile, { ...record, source: { ...record.source, ...stats } });
      }
      const volume = sourceMatches ? readEntry(file, record, preset.name) : null;
      if (volume) return { volume, hit: true, file };
    }

    // Hash while computing: both read the source, and the hash is needed only for the record.
    sourceHash ??= hashSource(sourcePath);
    const [computed, sha256] = await Promise.all([Promise.resolve().then(compute), sourceHash]);
    checkComputed(computed, preset);
    const { quantised, slope, intercept } = quantise(computed.data);
    writeFileAtomic(
      file,
      encodeNifti({
        data: quantised,
        dims: computed.dims,
        affine: computed.affine,
        scaling: { slope, intercept },
        description: `ctvlm ${preset.name} preprocessed`,
      }),
    );
    const written = fs.statSync(file);
    writeRecord(recordFile, {
      format: 1,
      key,
      preprocessVersion: PREPROCESS_VERSION,
      preset: { name: preset.name, fingerprint },
      source: { path: path.resolve(sourcePath), ...stats, sha256 },
      volume: { dims: computed.dims, affine: computed.affine, slope, intercept },
      file: { size: written.size, mtimeMs: written.mtimeMs },
      createdAt: new Date().toISOString(),
    });
    const volume: PreprocessedVolume = {
      data: dequantise(quantised, slope, intercept),
      dims: [...computed.dims],
      affine: [...computed.affine],
      presetName: preset.name,
    };
    return { volume, hit: false, file };
  }
}

function readRecord(recordFile: string): CacheRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(recordFile, 'utf8');
  } catch {
    return null; // no entry yet
  }
  try {
    const parsed = RecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // unreadable record: the entry is made again
  }
}

function writeRecord(recordFile: string, record: CacheRecord): void {
  writeFileAtomic(recordFile, `${JSON.stringify(record, null, 2)}\n`);
}

/** The cached volume, or null when the .nii is missing, replaced or not what the record says. */
function readEntry(file: string, record: CacheRecord, presetName: string): PreprocessedVolume | null {
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.size !== record.file.size || stat.mtimeMs !== record.file.mtimeMs) return null;
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  // A file this large gets a buffer of its own: use it as is rather than copy 16 MB.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = (
    whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  ) as ArrayBuffer;
  const header = nifti.isNIFTI1(buffer) ? nifti.readHeader(buffer) : null;
  const { dims, slope, intercept } = record.volume;
  const count = voxelCount(dims);
  if (
    !header ||
    header.datatypeCode !== NIFTI_UINT16 ||
    header.dims.slice(1, 4).some((n, axis) => n !== dims[axis]) ||
    header.vox_offset + 2 * count !== buffer.byteLength
  ) {
    return null;
  }
  const quantised = new Uint16Array(buffer, header.vox_offset, count);
  return {
    data: dequantise(quantised, slope, intercept),
    dims: [...dims],
    affine: [...record.volume.affine],
    presetName,
  };
}

function checkComputed(volume: PreprocessedVolume, preset: Preset): void {
  if (
    !(volume.data instanceof Float32Array) ||
    volume.data.length !== voxelCount(volume.dims) ||
    volume.affine.length !== 16
  ) {
    throw new BugError(
      `The "${preset.name}" computation returned ${volume.data.length} voxels for dimensions ${volume.dims.join('x')} and ${volume.affine.length} affine numbers.`,
    );
  }
}

/**
 * 16-bit quantisation over the data's own range: v ≈ q * slope + intercept with slope and
 * intercept exact float32 numbers (what the NIfTI header stores), so every value is within half
 * a step, (max - min) / 131070, plus float32 rounding.
 */
function quantise(data: Float32Array): { quantised: Uint16Array; slope: number; intercept: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i += 1) {
    const value = data[i]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new BugError('A preprocessed volume must hold finite values only (it is empty or has NaN or infinity).');
  }
  const intercept = Math.fround(min);
  const slope = Math.fround((max - min) / 65535) || 1; // a constant volume: any non-zero slope
  const inverse = 1 / slope;
  const quantised = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i += 1) {
    const q = Math.round((data[i]! - intercept) * inverse);
    quantised[i] = q < 0 ? 0 : q > 65535 ? 65535 : q;
  }
  return { quantised, slope, intercept };
}

function dequantise(quantised: Uint16Array, slope: number, intercept: number): Float32Array {
  const data = new Float32Array(quantised.length);
  for (let i = 0; i < quantised.length; i += 1) data[i] = quantised[i]! * slope + intercept;
  return data;
}

/** Cheap facts about the source: enough to notice almost every change without reading it. */
export async function statSource(sourcePath: string): Promise<SourceStats> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(sourcePath);
  } catch (error) {
    throw new UserError('IO_ERROR', `Cannot read the CT source ${sourcePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!stat.isDirectory()) return { size: stat.size, mtimeMs: stat.mtimeMs, listing: '' };
  const listing = createHash('sha256');
  let size = 0;
  let mtimeMs = 0;
  for (const file of await listFiles(sourcePath)) {
    const fileStat = await fs.promises.stat(path.join(sourcePath, file));
    listing.update(`${file}\0${fileStat.size}\0${fileStat.mtimeMs}\n`);
    size += fileStat.size;
    mtimeMs = Math.max(mtimeMs, fileStat.mtimeMs);
  }
  return { size, mtimeMs, listing: listing.digest('hex') };
}

function sameStats(a: SourceStats, b: SourceStats): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.listing === b.listing;
}

/** sha256 of a file's bytes, or of a folder's files (relative names and bytes, sorted by name). */
async function hashSource(sourcePath: string): Promise<string> {
  const hash = createHash('sha256');
  const stat = await fs.promises.stat(sourcePath);
  const files = stat.isDirectory() ? await listFiles(sourcePath) : [null];
  for (const file of files) {
    if (file !== null) hash.update(`${file}\0`);
    const stream = fs.createReadStream(file === null ? sourcePath : path.join(sourcePath, file));
    for await (const chunk of stream) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** Every file under a folder, as sorted relative paths. */
async function listFiles(folder: string): Promise<string[]> {
  const entries = await fs.promises.readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
    .sort();
}
