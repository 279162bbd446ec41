/**
 * Which DICOM transfer syntaxes the CT reader decodes (uncompressed pixel data only) and, for the
 * compressed ones, a refusal that names the syntax and how to decompress the files first.
 */
import { UserError } from '../../shared/errors';

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

const NATIVE = new Set([
  IMPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_BIG_ENDIAN,
]);

const COMPRESSED = new Map<string, string>([
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)'],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)'],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)'],
  ['1.2.840.10008.1.2.4.70', 'JPEG Lossless, First-Order Prediction (Process 14 SV1)'],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless'],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless'],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)'],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000'],
  ['1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)'],
  ['1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component'],
  ['1.2.840.10008.1.2.4.94', 'JPIP Referenced'],
  ['1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate'],
  ['1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile'],
  ['1.2.840.10008.1.2.4.101', 'MPEG2 High Profile'],
  ['1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264'],
  ['1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible'],
  ['1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 for 2D video'],
  ['1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 for 3D video'],
  ['1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo'],
  ['1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile'],
  ['1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile'],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)'],
  ['1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL (Lossless Only)'],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000'],
  ['1.2.840.10008.1.2.5', 'RLE Lossless'],
]);

const HOW_TO_DECOMPRESS =
  'Decompress the series first, e.g. with DCMTK (dcmdjpeg, dcmdjpls or dcmdrle IN.dcm OUT.dcm) or GDCM (gdcmconv --raw IN.dcm OUT.dcm), then import the decompressed folder.';

/** Refuse a transfer syntax whose pixel data this reader cannot decode; say whether it is little endian. */
export function checkTransferSyntax(uid: string, file: string): { littleEndian: boolean } {
  if (NATIVE.has(uid)) return { littleEndian: uid !== EXPLICIT_VR_BIG_ENDIAN };
  const name = COMPRESSED.get(uid);
  if (name) {
    throw new UserError(
      'VOLUME_UNSUPPORTED',
      `${file} is compressed with ${name} (transfer syntax ${uid}), which this reader does not decode. ${HOW_TO_DECOMPRESS}`,
    );
  }
  throw new UserError(
    'VOLUME_UNSUPPORTED',
    `${file} uses the transfer syntax ${uid || '(none)'}, which this reader does not know; only uncompressed (native) pixel data is read. ${HOW_TO_DECOMPRESS}`,
  );
}
