/**
 * A minimal synchronous zip reader for torch.save archives: the central directory (zip64
 * included, as torch always writes it), each entry's data offset from its local header, and
 * reads of byte ranges at those offsets. torch writes entries STORED (uncompressed, 64-byte
 * aligned), so a tensor's bytes can be read straight into its typed array; DEFLATEd entries
 * (a re-zipped archive) are inflated whole.
 */
import zlib from 'node:zlib';
import { readFully } from '../file-reads';
import { invalidCheckpoint } from './checkpoint-errors';

export interface ZipEntry {
  name: string;
  method: 'stored' | 'deflated';
  compressedSize: number;
  size: number;
  crc32: number;
  /** Where the entry's (possibly compressed) bytes start in the file. */
  dataOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** The end record (22 bytes) plus the longest comment (65,535 bytes). */
const EOCD_SEARCH = 22 + 0xffff;
/** A torch archive's directory is a few hundred bytes per tensor; refuse absurd ones. */
const MAX_DIRECTORY_BYTES = 256 * 2 ** 20;
/** Fill `target` from the file at `position`; a short read means the file is truncated. */
export function readAt(fd: number, target: Uint8Array, position: number, file: string): void {
  readFully(fd, target, position, file, (at) =>
    invalidCheckpoint(file, `it ends at byte ${at}, inside an entry (truncated)`),
  );
}

function safeNumber(value: bigint, file: string, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidCheckpoint(file, `its zip ${what} is beyond 2^53`);
  return Number(value);
}

interface DirectoryLocation {
  entries: number;
  offset: number;
  size: number;
  /** Where the end records start: the directory must end before. */
  end: number;
}

function locateDirectory(fd: number, fileSize: number, file: string): DirectoryLocation {
  const tailLength = Math.min(fileSize, EOCD_SEARCH + 20);
  const tail = Buffer.alloc(tailLength);
  readAt(fd, tail, fileSize - tailLength, file);
  let at = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE && i + 22 + tail.readUInt16LE(i + 20) <= tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    throw invalidCheckpoint(
      file,
      'its zip end-of-central-directory record is missing, so the file is truncated (an interrupted download or copy?) or corrupt',
    );
  }
  const eocdPosition = fileSize - tailLength + at;
  let entries = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  let end = eocdPosition;
  const locatorAt = at - 20;
  if (locatorAt >= 0 && tail.readUInt32LE(locatorAt) === ZIP64_LOCATOR_SIGNATURE) {
    const recordPosition = safeNumber(tail.readBigUInt64LE(locatorAt + 8), file, 'zip64 record offset');
    const record = Buffer.alloc(56);
    if (recordPosition + 56 > eocdPosition) throw invalidCheckpoint(file, 'its zip64 end record lies outside the file');
    readAt(fd, record, recordPosition, file);
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE)
      throw invalidCheckpoint(file, 'its zip64 end record is damaged');
    entries = safeNumber(record.readBigUInt64LE(32), file, 'entry count');
    size = safeNumber(record.readBigUInt64LE(40), file, 'directory size');
    offset = safeNumber(record.readBigUInt64LE(48), file, 'directory offset');
    end = recordPosition;
  } else if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw invalidCheckpoint(file, 'its zip64 locator is missing');
  }
  if (size > MAX_DIRECTORY_BYTES) throw invalidCheckpoint(file, `its zip directory claims ${size} bytes`);
  if (offset + size > end) {
    throw invalidCheckpoint(file, 'its zip directory runs past the end records (truncated or corrupt)');
  }
  return { entries, offset, size, end };
}

/** Values from a zip64 extended-information extra field, for the fields that overflowed. */
function applyZip64Extra(
  extra: Buffer,
  fields: { size: number; compressedSize: number; localOffset: number },
  file: string,
  name: string,
): void {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = (what: string): number => {
        if (field + 8 > at + 4 + length) throw invalidCheckpoint(file, `the zip64 field of ${name} is short`);
        const value = safeNumber(extra.readBigUInt64LE(field), file, what);
        field += 8;
        return value;
      };
      if (fields.size === 0xffffffff) fields.size = next('entry size');
      if (fields.compressedSize === 0xffffffff) fields.compressedSize = next('entry size');
      if (fields.localOffset === 0xffffffff) fields.localOffset = next('entry offset');
      return;
    }
    at += 4 + length;
  }
}

/** Read the central directory and every entry's data offset. */
export function readZipDirectory(fd: number, fileSize: number, file: string): Map<string, ZipEntry> {
  const location = locateDirectory(fd, fileSize, file);
  const directory = Buffer.alloc(location.size);
  readAt(fd, directory, location.offset, file);
  const entries = new Map<string, ZipEntry>();
  const local = Buffer.alloc(30);
  let at = 0;
  for (let index = 0; index < location.entries; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw invalidCheckpoint(file, `its zip directory is damaged at entry ${index + 1} of ${location.entries}`);
    }
    const flags = directory.readUInt16LE(at + 8);
    const methodCode = directory.readUInt16LE(at + 10);
    const crc32 = directory.readUInt32LE(at + 16);
    const fields = {
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localOffset: directory.readUInt32LE(at + 42),
    };
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const recordEnd = at + 46 + nameLength + extraLength + commentLength;
    if (recordEnd > directory.length)
      throw invalidCheckpoint(file, 'its zip directory is damaged (an entry runs past it)');
    const name = directory.toString('utf8', at + 46, at + 46 + nameLength);
    applyZip64Extra(directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), fields, file, name);
    at = recordEnd;

    if (flags & 0x1) throw invalidCheckpoint(file, `its entry ${name} is encrypted`);
    if (methodCode !== 0 && methodCode !== 8) {
      throw invalidCheckpoint(file, `its entry ${name} uses zip compression method ${methodCode}`);
    }
    if (entries.has(name)) throw invalidCheckpoint(file, `it has two zip entries named ${name}`);
    if (fields.localOffset + 30 > location.offset)
      throw invalidCheckpoint(file, `its entry ${name} lies outside the file`);
    readAt(fd, local, fields.localOffset, file);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE)
      throw invalidCheckpoint(file, `the zip header of ${name} is damaged`);
    const dataOffset = fields.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataOffset + fields.compressedSize > location.offset) {
      throw invalidCheckpoint(file, `the data of ${name} runs past the zip directory (truncated or corrupt)`);
    }
    if (methodCode === 0 && fields.compressedSize !== fields.size) {
      throw invalidCheckpoint(file, `the stored entry ${name} has two different sizes`);
    }
    entries.set(name, {
      name,
      method: methodCode === 0 ? 'stored' : 'deflated',
      compressedSize: fields.compressedSize,
      size: fields.size,
      crc32,
      dataOffset,
    });
  }
  return entries;
}

/** A whole (small) entry, inflated if needed and checked against its CRC-32. */
export function readZipEntry(fd: number, entry: ZipEntry, file: string): Uint8Array {
  const raw = new Uint8Array(entry.compressedSize);
  readAt(fd, raw, entry.dataOffset, file);
  let bytes: Uint8Array = raw;
  if (entry.method === 'deflated') {
    try {
      bytes = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (error) {
      throw invalidCheckpoint(file, `its entry ${entry.name} does not inflate`, error);
    }
    if (bytes.length !== entry.size)
      throw invalidCheckpoint(file, `its entry ${entry.name} inflates to the wrong size`);
  }
  if (zlib.crc32(bytes) !== entry.crc32) {
    throw invalidCheckpoint(file, `its entry ${entry.name} fails its CRC-32 check (the file is corrupt)`);
  }
  return bytes;
}
