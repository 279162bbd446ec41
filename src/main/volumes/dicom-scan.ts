/**
 * First pass over a DICOM folder: every file in it (and its subfolders) is opened and its header
 * parsed with dicom-parser up to the pixel data, which is not read. Files that are not DICOM
 * images (DICOMDIR, .txt notes, thumbnails, hidden files...) are skipped with the reason noted, so
 * that a typical export folder reads without cleaning it up first.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import dicomParser, { type DataSet } from 'dicom-parser';
import { UserError } from '../../shared/errors';
import type { Rescale } from './hounsfield-data';

export const PIXEL_DATA_TAG = 'x7fe00010';
const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';
/** Enough for the header of nearly every CT slice; a longer header is read in full. */
const HEAD_BYTES = 64 * 1024;
const CONCURRENT_READS = 16;

/** What the reader needs from one image file, without its pixels. */
export interface DicomSliceHeader {
  file: string;
  seriesInstanceUid: string;
  modality: string;
  seriesDescription: string;
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  numberOfFrames: number;
  /** ImagePositionPatient (LPS mm), ImageOrientationPatient, PixelSpacing (row, column). */
  imagePosition: number[] | undefined;
  imageOrientation: number[] | undefined;
  pixelSpacing: number[] | undefined;
  /** SpacingBetweenSlices, else SliceThickness: only used for a single-slice series. */
  sliceSpacing: number | undefined;
  rescale: Rescale;
  hasPixelData: boolean;
}

export interface DicomFolderScan {
  slices: DicomSliceHeader[];
  /** Files that are not DICOM images, with why they were skipped. */
  skipped: { file: string; reason: string }[];
}

export async function scanDicomFolder(folder: string): Promise<DicomFolderScan> {
  const files = await listFiles(folder);
  const results = await mapWithConcurrency(files, CONCURRENT_READS, readSliceHeader);
  const scan: DicomFolderScan = { slices: [], skipped: [] };
  results.forEach((result, i) => {
    if (typeof result === 'string') scan.skipped.push({ file: files[i] ?? '', reason: result });
    else scan.slices.push(result);
  });
  return scan;
}

async function listFiles(folder: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() || entry.isSymbolicLink())
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
  } catch (error) {
    throw new UserError('IO_ERROR', `Cannot list the DICOM folder ${folder}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The slice header, or why the file is not a DICOM image (a string). */
async function readSliceHeader(file: string): Promise<DicomSliceHeader | string> {
  const head = await readHead(file, HEAD_BYTES);
  if (head.bytes.length < 132 || head.bytes.toString('latin1', 128, 132) !== 'DICM') {
    return 'not a DICOM Part 10 file (no "DICM" marker)';
  }
  let dataSet = tryParseHeader(head.bytes);
  if (!dataSet?.elements[PIXEL_DATA_TAG] && head.bytes.length < head.size) {
    dataSet = tryParseHeader(await readWhole(file));
  }
  if (!dataSet) {
    throw new UserError(
      'VOLUME_INVALID',
      `${file} is a corrupt DICOM file: its header cannot be parsed (truncated or damaged). Remove it or export it again.`,
    );
  }
  if (dataSet.string('x00020002') === DICOMDIR_SOP_CLASS) return 'a DICOMDIR (media index), not an image';
  const seriesInstanceUid = dataSet.string('x0020000e') ?? '';
  if (!seriesInstanceUid) return 'a DICOM file without a SeriesInstanceUID, so not part of an image series';
  const numbers = (tag: string, count: number): number[] | undefined => {
    const values = Array.from({ length: count }, (_, i) => dataSet.floatString(tag, i) ?? NaN);
    return values.every(Number.isFinite) ? values : undefined;
  };
  const bitsAllocated = dataSet.uint16('x00280100') ?? 0;
  const bitsStored = dataSet.uint16('x00280101') ?? bitsAllocated;
  return {
    file,
    seriesInstanceUid,
    modality: dataSet.string('x00080060') ?? '',
    seriesDescription: dataSet.string('x0008103e') ?? '',
    transferSyntaxUid: dataSet.string('x00020010') ?? '',
    rows: dataSet.uint16('x00280010') ?? 0,
    columns: dataSet.uint16('x00280011') ?? 0,
    bitsAllocated,
    bitsStored,
    highBit: dataSet.uint16('x00280102') ?? bitsStored - 1,
    pixelRepresentation: dataSet.uint16('x00280103') ?? 0,
    samplesPerPixel: dataSet.uint16('x00280002') ?? 1,
    numberOfFrames: dataSet.intString('x00280008') ?? 1,
    imagePosition: numbers('x00200032', 3),
    imageOrientation: numbers('x00200037', 6),
    pixelSpacing: numbers('x00280030', 2),
    sliceSpacing: dataSet.floatString('x00180088') ?? dataSet.floatString('x00180050'),
    rescale: {
      slope: dataSet.floatString('x00281053') ?? 1,
      intercept: dataSet.floatString('x00281052') ?? 0,
    },
    hasPixelData: dataSet.elements[PIXEL_DATA_TAG] !== undefined,
  };
}

/** Parse up to (not into) the pixel data; undefined when these bytes do not hold the whole header. */
function tryParseHeader(bytes: Uint8Array): DataSet | undefined {
  try {
    return dicomParser.parseDicom(bytes, { untilTag: PIXEL_DATA_TAG });
  } catch {
    // dicom-parser throws strings and plain objects; the caller retries with the whole file.
    return undefined;
  }
}

async function readHead(file: string, length: number): Promise<{ bytes: Buffer; size: number }> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(Math.min(size, length));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    return { bytes: bytes.subarray(0, bytesRead), size };
  } catch (error) {
    throw new UserError('IO_ERROR', `Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle?.close();
  }
}

export async function readWhole(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw new UserError('IO_ERROR', `Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Run `task` over `items` with at most `limit` running at once; results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
