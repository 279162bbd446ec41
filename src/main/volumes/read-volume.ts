/**
 * The one entry point for reading a CT volume: a folder is a DICOM series, a .nii or .nii.gz file
 * is NIfTI. Whatever the source, the volume comes back in canonical RAS orientation (see
 * volume.ts) with HU values and an affine that keeps every voxel where the file put it.
 */
import fs from 'node:fs/promises';
import { UserError } from '../../shared/errors';
import { readDicomSeries } from './dicom-series-reader';
import { readNiftiFile } from './nifti-reader';
import { toCanonicalRas } from './orientation';
import type { Volume } from './volume';

export interface ReadVolumeOptions {
  /** For a DICOM folder holding several series: the one to read. */
  seriesInstanceUid?: string;
}

export async function readVolume(source: string, options: ReadVolumeOptions = {}): Promise<Volume> {
  return toCanonicalRas(await readStoredVolume(source, options));
}

/**
 * The volume in the file's own voxel order and affine, before reorientation: the grid a result
 * (e.g. a Grad-CAM map) must be written on to line up with the file voxel for voxel.
 */
export async function readStoredVolume(source: string, options: ReadVolumeOptions = {}): Promise<Volume> {
  let isFolder: boolean;
  try {
    isFolder = (await fs.stat(source)).isDirectory();
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      'IO_ERROR',
      missing ? `${source} does not exist.` : `Cannot read ${source}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (isFolder) return readDicomSeries(source, options);
  if (isNiftiName(source)) return readNiftiFile(source);
  throw new UserError(
    'VOLUME_UNSUPPORTED',
    /\.dcm$/i.test(source)
      ? `${source} is a single DICOM file; choose the folder that holds the whole CT series instead.`
      : `${source} is not a CT volume this workbench reads: choose a NIfTI file (.nii or .nii.gz) or a folder holding a DICOM CT series.`,
  );
}

export function isNiftiName(file: string): boolean {
  return /\.nii(\.gz)?$/i.test(file);
}
