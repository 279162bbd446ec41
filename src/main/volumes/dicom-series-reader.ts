/**
 * DICOM CT series reader (dicom-parser). A folder is scanned (files that are not DICOM images are
 * skipped, see dicom-scan.ts), its image files grouped by SeriesInstanceUID, one CT series chosen,
 * its slices sorted along the slice normal and decoded to HU (RescaleSlope/Intercept, per slice).
 * The volume comes back in the series' own voxel order with a RAS+ affine; readVolume makes it
 * canonical RAS.
 */
import path from 'node:path';
import { UserError } from '../../shared/errors';
import { stackSlices } from './dicom-geometry';
import { allocateRawSlices, decodeSlice, pixelFormatOf } from './dicom-pixels';
import {
  type DicomFolderScan,
  type DicomSliceHeader,
  mapWithConcurrency,
  readWhole,
  scanDicomFolder,
} from './dicom-scan';
import { checkTransferSyntax } from './dicom-transfer-syntax';
import type { Volume } from './volume';
import { toHounsfieldData } from './hounsfield-data';
import { checkCtModality, checkDims } from './volume-checks';

export interface DicomSeriesSummary {
  seriesInstanceUid: string;
  modality: string;
  seriesDescription: string;
  sliceCount: number;
}

export interface DicomSeriesOptions {
  /** Which series to read when the folder holds several. */
  seriesInstanceUid?: string;
}

const CONCURRENT_SLICE_READS = 8;

/** Every image series in a folder (and its subfolders), ordered by description then UID. */
export async function listDicomSeries(folder: string): Promise<DicomSeriesSummary[]> {
  return summarise(groupBySeries((await scanDicomFolder(folder)).slices));
}

/** Read one CT series from a folder, in its stored voxel order (affine in RAS+). */
export async function readDicomSeries(folder: string, options: DicomSeriesOptions = {}): Promise<Volume> {
  const scan = await scanDicomFolder(folder);
  const slices = chooseSeries(scan, folder, options.seriesInstanceUid);
  for (const slice of slices) {
    checkCtModality(slice.modality, slice.file);
    checkTransferSyntax(slice.transferSyntaxUid, slice.file);
    if (!slice.hasPixelData) {
      throw new UserError('VOLUME_INVALID', `${slice.file} has no pixel data (7FE0,0010); export the series again.`);
    }
  }
  const format = pixelFormatOf(slices, folder);
  const stack = stackSlices(slices, folder);
  const first = stack.slices[0];
  const dims: [number, number, number] = [first?.columns ?? 0, first?.rows ?? 0, stack.slices.length];
  checkDims(dims, folder);

  const sliceLength = dims[0] * dims[1];
  const raw = allocateRawSlices(format, sliceLength * dims[2]);
  await mapWithConcurrency(
    stack.slices.map((slice, k) => ({ slice, k })),
    CONCURRENT_SLICE_READS,
    async ({ slice, k }) => decodeSlice(await readWhole(slice.file), slice, format, raw, k * sliceLength),
  );
  const data = toHounsfieldData(
    raw,
    stack.slices.map((slice) => slice.rescale),
    sliceLength,
    folder,
  );
  return { data, dims, affine: stack.affine };
}

function chooseSeries(scan: DicomFolderScan, folder: string, seriesInstanceUid?: string): DicomSliceHeader[] {
  const series = groupBySeries(scan.slices);
  if (series.size === 0) {
    const examples = scan.skipped
      .slice(0, 3)
      .map((skip) => `${path.relative(folder, skip.file)}: ${skip.reason}`)
      .join('; ');
    throw new UserError(
      'VOLUME_INVALID',
      `${folder} holds no DICOM image files${scan.skipped.length > 0 ? ` (${scan.skipped.length} files skipped, e.g. ${examples})` : ''}. Point at the folder that holds the CT slices.`,
    );
  }
  if (seriesInstanceUid !== undefined) {
    const chosen = series.get(seriesInstanceUid);
    if (chosen) return chosen;
    throw new UserError(
      'SERIES_AMBIGUOUS',
      `${folder} holds no series with SeriesInstanceUID ${seriesInstanceUid}. Choose one of: ${describeSeries(series)}.`,
    );
  }
  const [only] = series.values();
  if (series.size === 1 && only) return only;
  throw new UserError(
    'SERIES_AMBIGUOUS',
    `${folder} holds ${series.size} DICOM series; choose one by its SeriesInstanceUID: ${describeSeries(series)}.`,
  );
}

function groupBySeries(slices: readonly DicomSliceHeader[]): Map<string, DicomSliceHeader[]> {
  const series = new Map<string, DicomSliceHeader[]>();
  for (const slice of slices) {
    const group = series.get(slice.seriesInstanceUid);
    if (group) group.push(slice);
    else series.set(slice.seriesInstanceUid, [slice]);
  }
  return series;
}

function summarise(series: Map<string, DicomSliceHeader[]>): DicomSeriesSummary[] {
  return [...series.entries()]
    .map(([seriesInstanceUid, slices]) => ({
      seriesInstanceUid,
      modality: [...new Set(slices.map((slice) => slice.modality))].join('/'),
      seriesDescription: slices.find((slice) => slice.seriesDescription)?.seriesDescription ?? '',
      sliceCount: slices.length,
    }))
    .sort(
      (a, b) =>
        a.seriesDescription.localeCompare(b.seriesDescription) ||
        a.seriesInstanceUid.localeCompare(b.seriesInstanceUid),
    );
}

function describeSeries(series: Map<string, DicomSliceHeader[]>): string {
  return summarise(series)
    .map(
      (s) =>
        `${s.seriesInstanceUid} ("${s.seriesDescription || 'no description'}", ${s.modality || 'no modality'}, ${s.sliceCount} slice${s.sliceCount === 1 ? '' : 's'})`,
    )
    .join('; ');
}
