/**
 * Uncompressed DICOM pixel data -> raw stored values, slice by slice into one volume array:
 * 8- or 16-bit, unsigned or signed (PixelRepresentation), with only the BitsStored bits below
 * HighBit kept (masked, and sign-extended when signed), little or big endian.
 */
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { UserError } from '../../shared/errors';
import { type DicomSliceHeader, PIXEL_DATA_TAG } from './dicom-scan';
import { checkTransferSyntax } from './dicom-transfer-syntax';
import { checkDataLength } from './volume-checks';

export interface PixelFormat {
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  signed: boolean;
}

export type RawSlices = Uint8Array | Int8Array | Uint16Array | Int16Array;

/** The one pixel format every slice of the series shares, or a refusal naming the odd file. */
export function pixelFormatOf(slices: readonly DicomSliceHeader[], folder: string): PixelFormat {
  const first = slices[0];
  if (!first) throw new UserError('VOLUME_INVALID', `${folder} holds no CT slices.`);
  const name = (slice: DicomSliceHeader): string => path.relative(folder, slice.file) || slice.file;
  for (const slice of slices) {
    if (slice.samplesPerPixel !== 1) {
      throw new UserError(
        'VOLUME_UNSUPPORTED',
        `${folder}: ${name(slice)} has ${slice.samplesPerPixel} samples per pixel (a colour image); CT slices have one.`,
      );
    }
    if (slice.numberOfFrames > 1) {
      throw new UserError(
        'VOLUME_UNSUPPORTED',
        `${folder}: ${name(slice)} is a multi-frame (enhanced) image with ${slice.numberOfFrames} frames; only one-slice-per-file CT series are read. Convert it to single-frame files (e.g. with dcm2niix or emf2sf) first.`,
      );
    }
    if (slice.bitsAllocated !== 8 && slice.bitsAllocated !== 16) {
      throw new UserError(
        'VOLUME_UNSUPPORTED',
        `${folder}: ${name(slice)} has BitsAllocated ${slice.bitsAllocated}; only 8- and 16-bit CT pixels are read.`,
      );
    }
    const bitsOk =
      slice.bitsStored >= 1 && slice.bitsStored <= slice.bitsAllocated && slice.highBit + 1 >= slice.bitsStored;
    if (!bitsOk || slice.highBit >= slice.bitsAllocated) {
      throw new UserError(
        'VOLUME_INVALID',
        `${folder}: ${name(slice)} has inconsistent BitsStored ${slice.bitsStored} / HighBit ${slice.highBit} for BitsAllocated ${slice.bitsAllocated}.`,
      );
    }
    if (
      slice.bitsAllocated !== first.bitsAllocated ||
      slice.bitsStored !== first.bitsStored ||
      slice.highBit !== first.highBit ||
      slice.pixelRepresentation !== first.pixelRepresentation
    ) {
      throw new UserError(
        'VOLUME_INVALID',
        `${folder} mixes pixel formats: ${name(slice)} and ${name(first)} differ in BitsAllocated, BitsStored, HighBit or PixelRepresentation. Keep one series per folder.`,
      );
    }
  }
  return {
    bitsAllocated: first.bitsAllocated as 8 | 16,
    bitsStored: first.bitsStored,
    highBit: first.highBit,
    signed: first.pixelRepresentation === 1,
  };
}

export function allocateRawSlices(format: PixelFormat, count: number): RawSlices {
  if (format.bitsAllocated === 8) return format.signed ? new Int8Array(count) : new Uint8Array(count);
  return format.signed ? new Int16Array(count) : new Uint16Array(count);
}

/** Decode one slice file's pixels into out[offset .. offset + rows*columns). */
export function decodeSlice(
  bytes: Buffer,
  slice: DicomSliceHeader,
  format: PixelFormat,
  out: RawSlices,
  offset: number,
): void {
  const { littleEndian } = checkTransferSyntax(slice.transferSyntaxUid, slice.file);
  let dataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, { untilTag: PIXEL_DATA_TAG });
  } catch {
    throw new UserError('VOLUME_INVALID', `${slice.file} is a corrupt DICOM file: it can no longer be parsed.`);
  }
  const element = dataSet.elements[PIXEL_DATA_TAG];
  if (!element) {
    throw new UserError('VOLUME_INVALID', `${slice.file} has no pixel data (7FE0,0010); export the series again.`);
  }
  const count = slice.rows * slice.columns;
  const width = format.bitsAllocated / 8;
  if (element.hadUndefinedLength === true || element.length === 0xffffffff) {
    throw new UserError(
      'VOLUME_INVALID',
      `${slice.file} holds encapsulated (compressed) pixel data under an uncompressed transfer syntax; the file is damaged.`,
    );
  }
  checkDataLength(slice.file, element.length, count * width, 'pixel data');
  const source = dataSet.byteArray;
  checkDataLength(slice.file, source.length - element.dataOffset, count * width, 'pixel data');

  const shift = format.highBit + 1 - format.bitsStored;
  const mask = 2 ** format.bitsStored - 1;
  const signBit = 2 ** (format.bitsStored - 1);
  const full = format.bitsStored === format.bitsAllocated;
  const start = element.dataOffset;
  if (width === 1) {
    for (let i = 0; i < count; i += 1) out[offset + i] = storedValue(source[start + i] ?? 0);
    return;
  }
  const lo = littleEndian ? 0 : 1;
  const hi = littleEndian ? 1 : 0;
  if (full && littleEndian && (source.byteOffset + start) % 2 === 0) {
    // Fast path: the file's bytes already are the values.
    const view = format.signed
      ? new Int16Array(source.buffer, source.byteOffset + start, count)
      : new Uint16Array(source.buffer, source.byteOffset + start, count);
    out.set(view, offset);
    return;
  }
  for (let i = 0, b = start; i < count; i += 1, b += 2) {
    out[offset + i] = storedValue((source[b + lo] ?? 0) | ((source[b + hi] ?? 0) << 8));
  }

  function storedValue(word: number): number {
    const value = full ? word : (word >>> shift) & mask;
    return format.signed && value >= signBit ? value - 2 * signBit : value;
  }
}
