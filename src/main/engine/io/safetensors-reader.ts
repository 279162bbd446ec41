/**
 * Read safetensors files without loading them whole: the header is read and validated first
 * (safetensors-header.ts), then each tensor's bytes are read with fs.readSync at its offset,
 * straight into the typed array that is returned.
 */
import fs from 'node:fs';
import { BugError, UserError } from '../../../shared/errors';
import { openForReading, readFully } from './file-reads';
import { headerLength, invalidSafetensors, parseHeader, type TensorEntry } from './safetensors-header';
import type { SafetensorsDtype, Tensor } from './safetensors-dtypes';
import { readTensorValues } from './tensor-bytes';

export interface SafetensorsTensorInfo {
  /** The dtype stored in the file (F16 and BF16 are read as F32). */
  dtype: SafetensorsDtype;
  shape: number[];
  byteLength: number;
}

export interface SafetensorsFile {
  readonly file: string;
  readonly metadata: ReadonlyMap<string, string>;
  /** In file order. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  /** One tensor's values: F16/BF16 as F32, I64 as BigInt64Array, BOOL as 0/1 bytes. */
  read(name: string): Tensor;
  /** One tensor's stored bytes, unchanged. */
  readBytes(name: string): Uint8Array;
  close(): void;
}

/** Open a safetensors file and validate its header; tensors are read on demand. */
export function openSafetensors(file: string): SafetensorsFile {
  return openForReading(file, 'safetensors', (fd) => openOnDescriptor(fd, file));
}

/** A positioned read; the header was checked against the file's size, so a short read means it shrank since. */
function readAt(fd: number, target: Uint8Array, position: number, file: string): void {
  readFully(
    fd,
    target,
    position,
    file,
    () => new UserError('IO_ERROR', `${file} ended early: it was shortened while being read. Try again.`),
  );
}

function openOnDescriptor(fd: number, file: string): SafetensorsFile {
  const fileSize = fs.fstatSync(fd).size;
  const prefix = new Uint8Array(8);
  if (fileSize >= 8) readAt(fd, prefix, 0, file);
  const n = headerLength(prefix, fileSize, file);
  const headerBytes = new Uint8Array(n);
  readAt(fd, headerBytes, 8, file);
  const dataStart = 8 + n;
  const { metadata, entries } = parseHeader(headerBytes, fileSize - dataStart, file);
  const byName = new Map<string, TensorEntry>(entries.map((entry) => [entry.name, entry]));
  const tensors = new Map<string, SafetensorsTensorInfo>(
    entries.map((entry) => [
      entry.name,
      { dtype: entry.dtype, shape: [...entry.shape], byteLength: entry.end - entry.begin },
    ]),
  );
  let open = true;

  const entryOf = (name: string): TensorEntry => {
    if (!open) throw new BugError(`${file} was read after it was closed.`);
    const entry = byName.get(name);
    if (!entry) throw new UserError('INVALID_INPUT', `${file} has no tensor named "${name}".`);
    return entry;
  };
  const fill = (entry: TensorEntry, target: Uint8Array): void => {
    readAt(fd, target, dataStart + entry.begin, file);
  };

  return {
    file,
    metadata,
    tensors,
    readBytes(name) {
      const entry = entryOf(name);
      const bytes = new Uint8Array(entry.end - entry.begin);
      fill(entry, bytes);
      return bytes;
    },
    read(name) {
      const entry = entryOf(name);
      return readTensorValues(
        entry,
        (target) => fill(entry, target),
        () => invalidSafetensors(file, `BOOL tensor "${name}" holds a byte other than 0 or 1`),
      );
    },
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}

export interface SafetensorsContents {
  metadata: Map<string, string>;
  /** In file order; F16/BF16 tensors come back as F32. */
  tensors: Map<string, Tensor>;
}

/** Read every tensor of a file. */
export function readSafetensors(file: string): SafetensorsContents {
  const handle = openSafetensors(file);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of handle.tensors.keys()) tensors.set(name, handle.read(name));
    return { metadata: new Map(handle.metadata), tensors };
  } finally {
    handle.close();
  }
}
