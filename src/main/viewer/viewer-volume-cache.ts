/**
 * The CT viewer's NIfTI files, kept in the project's files/cache/viewer/ so a study opens at once
 * the second time: `<dataset>/<study uid>-original.nii.gz`, or `-preprocessed-<preset>.nii.gz`,
 * each beside a `.json` record of what it was made from. A file is reused only while the source's
 * size and mtime (for a DICOM folder, its listing) and, for the preprocessed one, the preset's
 * fingerprint and PREPROCESS_VERSION are those recorded. Both files are written whole and then
 * renamed into place, the NIfTI first and the record last, so a kill never pairs a record with a
 * half-written file.
 *
 * - original: the stored CT as imported, in its own voxel order and affine (so a Grad-CAM map,
 *   written on that grid, overlays it voxel for voxel), in HU.
 * - preprocessed: what the model sees, on the preset's grid, with the preset's intensity map
 *   undone so values read as HU (clipped to the preset's window) and the same W/L presets apply.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { z } from 'zod';
import type { StudyVolumeKind } from '../../shared/api/viewer-files';
import { writeFileAtomic } from '../fs/atomic-write';
import { intensityMap } from '../volumes/intensity';
import { encodeNifti, type NiftiVolume } from '../volumes/nifti-writer';
import { PREPROCESS_VERSION, type PreprocessedVolume } from '../volumes/preprocess';
import { presetFingerprint, type Preset } from '../volumes/preset-schema';
import { statSource, type SourceStats } from '../volumes/volume-cache';
import type { Volume } from '../volumes/volume';

/** Bump when the files written here change for the same inputs. */
export const VIEWER_VOLUME_FORMAT = 1;
/** Fast gzip: these files are read back at once over loopback; level 1 is ~4x faster than 6 and ~10% bigger. */
const GZIP_LEVEL = 1;

const gzipAsync = promisify(gzip);

const RecordSchema = z.object({
  format: z.literal(VIEWER_VOLUME_FORMAT),
  kind: z.enum(['original', 'preprocessed']),
  source: z.object({ path: z.string(), size: z.number(), mtimeMs: z.number(), listing: z.string() }),
  preset: z.object({ name: z.string(), fingerprint: z.string(), preprocessVersion: z.number() }).nullable(),
  file: z.object({ size: z.number(), mtimeMs: z.number() }),
});
type ViewerVolumeRecord = z.infer<typeof RecordSchema>;

export interface ViewerVolumeTarget {
  /** files/cache/viewer/ of the project. */
  cacheDir: string;
  datasetId: number;
  studyUid: string;
  /** The CT file or DICOM folder. */
  source: string;
  kind: StudyVolumeKind;
  /** Needed for "preprocessed": the project's base model's preset. */
  preset: Preset | null;
}

export function viewerVolumeFiles(target: ViewerVolumeTarget): { file: string; record: string } {
  const safeUid = target.studyUid.replace(/[^A-Za-z0-9._-]/g, '_');
  const suffix =
    target.kind === 'original'
      ? 'original'
      : `preprocessed-${(target.preset?.name ?? 'none').replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const stem = path.join(target.cacheDir, String(target.datasetId), `${safeUid}-${suffix}`);
  return { file: `${stem}.nii.gz`, record: `${stem}.json` };
}

/** The cached file when it is still valid for the source and preset; null when it must be (re)built. */
export async function freshViewerVolume(target: ViewerVolumeTarget): Promise<string | null> {
  const files = viewerVolumeFiles(target);
  let record: ViewerVolumeRecord;
  try {
    record = RecordSchema.parse(JSON.parse(fs.readFileSync(files.record, 'utf8')));
  } catch {
    return null;
  }
  let fileStat: fs.Stats;
  try {
    fileStat = fs.statSync(files.file);
  } catch {
    return null;
  }
  if (fileStat.size !== record.file.size || fileStat.mtimeMs !== record.file.mtimeMs) return null;
  if (record.kind !== target.kind || record.source.path !== target.source) return null;
  if (!samePreset(record, target)) return null;
  const stats = await statSource(target.source);
  return sameSource(record.source, stats) ? files.file : null;
}

/** Build the file from a volume already read (stored order for "original", preprocessed for the other) and record it. */
export async function writeViewerVolume(
  target: ViewerVolumeTarget,
  sourceStats: SourceStats,
  volume: NiftiVolume,
): Promise<string> {
  const files = viewerVolumeFiles(target);
  fs.mkdirSync(path.dirname(files.file), { recursive: true });
  writeFileAtomic(files.file, await gzipAsync(encodeNifti(volume), { level: GZIP_LEVEL }));
  const written = fs.statSync(files.file);
  const record: ViewerVolumeRecord = {
    format: VIEWER_VOLUME_FORMAT,
    kind: target.kind,
    source: { path: target.source, ...sourceStats },
    preset: target.kind === 'preprocessed' && target.preset ? presetRecord(target.preset) : null,
    file: { size: written.size, mtimeMs: written.mtimeMs },
  };
  writeFileAtomic(files.record, JSON.stringify(record, null, 2));
  return files.file;
}

/** The stored CT as a NIfTI volume: its grid and HU values as they are. */
export function originalNifti(volume: Volume, studyUid: string): NiftiVolume {
  return { data: volume.data, dims: volume.dims, affine: volume.affine, description: `CT ${studyUid}`.slice(0, 79) };
}

/**
 * The preprocessed volume with the preset's intensity map undone: value v came from
 * clip(HU) * scale + offset, so (v - offset) / scale is the clipped HU. Rounded to whole HU
 * (int16) when it fits, which halves the file; the rounding is under half a HU.
 */
export function preprocessedNifti(volume: PreprocessedVolume, preset: Preset): NiftiVolume {
  const { scale, offset } = intensityMap(preset.intensity);
  const hu = new Float32Array(volume.data.length);
  let integral = true;
  for (let i = 0; i < hu.length; i += 1) {
    const value = ((volume.data[i] ?? 0) - offset) / scale;
    hu[i] = value;
    if (value < -32768 || value > 32767) integral = false;
  }
  const data = integral ? Int16Array.from(hu, (value) => Math.round(value)) : hu;
  return {
    data,
    dims: volume.dims,
    affine: volume.affine,
    description: `preprocessed (${preset.name}), HU`.slice(0, 79),
  };
}

function presetRecord(preset: Preset): NonNullable<ViewerVolumeRecord['preset']> {
  return { name: preset.name, fingerprint: presetFingerprint(preset), preprocessVersion: PREPROCESS_VERSION };
}

function samePreset(record: ViewerVolumeRecord, target: ViewerVolumeTarget): boolean {
  if (target.kind === 'original') return record.preset === null;
  if (!target.preset || !record.preset) return false;
  const wanted = presetRecord(target.preset);
  return (
    record.preset.name === wanted.name &&
    record.preset.fingerprint === wanted.fingerprint &&
    record.preset.preprocessVersion === wanted.preprocessVersion
  );
}

function sameSource(recorded: SourceStats, now: SourceStats): boolean {
  return recorded.size === now.size && recorded.mtimeMs === now.mtimeMs && recorded.listing === now.listing;
}
