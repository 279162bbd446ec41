/**
 * Everything that can be wrong with one manifest row, checked before the study is stored:
 * ids, split, labels, the report, and the image itself (read in full, so a truncated file,
 * NaN voxels or a non-CT series is caught now and not in the middle of training).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, UserError } from '../../shared/errors';
import { readVolume } from '../volumes/read-volume';
import { spacingOf } from '../volumes/volume';
import type { ManifestRow, Split } from './manifest';

export interface CheckedStudy {
  studyUid: string;
  patientId: string;
  imagePath: string;
  imageSha256: string;
  imageMeta: { dims: [number, number, number]; spacingMm: [number, number, number]; kind: 'nifti' | 'dicom' };
  reportText: string;
  labels: Record<string, number>;
  split: Split | null;
}

const SPLITS = new Set(['train', 'val', 'test']);

export async function checkStudy(row: ManifestRow): Promise<CheckedStudy> {
  const where = `line ${row.line}`;
  if (!row.studyId) throw new UserError('STUDY_INVALID', `${where}: study_id is empty.`);
  if (!row.patientId) throw new UserError('STUDY_INVALID', `${where} (${row.studyId}): patient_id is empty.`);
  if (row.split !== null && !SPLITS.has(row.split)) {
    throw new UserError('STUDY_INVALID', `${where} (${row.studyId}): split "${row.split}" must be train, val or test.`);
  }
  const labels: Record<string, number> = {};
  for (const [name, value] of Object.entries(row.labels)) {
    if (value === '') continue; // unknown label: not evaluated for this study
    if (value !== '0' && value !== '1') {
      throw new UserError(
        'STUDY_INVALID',
        `${where} (${row.studyId}): label:${name} is "${value}"; labels must be 0, 1 or empty.`,
      );
    }
    labels[name] = Number(value);
  }
  const reportText = readReport(row, where);
  if (!row.imagePath) throw new UserError('STUDY_INVALID', `${where} (${row.studyId}): image is empty.`);
  if (!fs.existsSync(row.imagePath)) {
    throw new UserError('STUDY_INVALID', `${where} (${row.studyId}): the image ${row.imagePath} does not exist.`);
  }
  const isFolder = fs.statSync(row.imagePath).isDirectory();
  let volume;
  try {
    volume = await readVolume(row.imagePath);
  } catch (error) {
    if (error instanceof AppError)
      throw new UserError(error.code, `${where} (${row.studyId}): ${error.message}`, { cause: error });
    throw error;
  }
  return {
    studyUid: row.studyId,
    patientId: row.patientId,
    imagePath: row.imagePath,
    imageSha256: hashImage(row.imagePath, isFolder),
    imageMeta: { dims: volume.dims, spacingMm: spacingOf(volume.affine), kind: isFolder ? 'dicom' : 'nifti' },
    reportText,
    labels,
    split: row.split as Split | null,
  };
}

function readReport(row: ManifestRow, where: string): string {
  let text = row.reportText ?? '';
  if (text.trim() === '' && row.reportFile) {
    try {
      text = fs.readFileSync(row.reportFile, 'utf8');
    } catch (error) {
      throw new UserError(
        'STUDY_INVALID',
        `${where} (${row.studyId}): cannot read the report file ${row.reportFile}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (text.trim() === '')
    throw new UserError(
      'STUDY_INVALID',
      `${where} (${row.studyId}): the report is empty; every study needs its report text.`,
    );
  return text;
}

/** sha256 of a NIfTI file, or of a DICOM folder's file names and contents in name order. */
function hashImage(imagePath: string, isFolder: boolean): string {
  const hash = createHash('sha256');
  if (!isFolder) return hash.update(fs.readFileSync(imagePath)).digest('hex');
  for (const name of fs.readdirSync(imagePath).sort()) {
    const file = path.join(imagePath, name);
    if (!fs.statSync(file).isFile()) continue;
    hash.update(name).update('\0').update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}
