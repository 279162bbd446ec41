/**
 * Read safetensors files without loading them whole: the header is read and validated first
 * (safetensors-header.ts), then each tensor's bytes are read with fs.readSync at its offset,
 * straight into the typed array that is returned.
 */
import fs from 'node:fs';
import os from 'node:os';
import { BugError, UserError } from '../../../shared/errors';
import { decodeBF16, decodeF16 } from './half-float';
import { headerLength, invalidSafetensors, parseHeader, type TensorEntry } from './safetensors-header';
import type { SafetensorsDtype, Tensor } from './safetensors-dtypes';

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

/** Largest single fs.readSync: well under Node's 2 GiB limit. */
const READ_CHUNK = 1 << 30;

function ioError(file: string, action: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new UserError('IO_ERROR', `Could not ${action} ${file} (${code}). Check that it exists and is readable.`, {
    cause: error,
  });
}

function readFully(fd: number, target: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < target.length) {
    const length = Math.min(READ_CHUNK, target.length - done);
    let count: number;
    try {
      count = fs.readSync(fd, target, done, length, position + done);
    } catch (error) {
      throw ioError(file, 'read', error);
    }
    if (count === 0) {
      throw new UserError('IO_ERROR', `${file} ended early: it was shortened while being read. Try again.`);
    }
    done += count;
  }
}

function bytesOf(array: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Open a safetensors file and validate its header; tensors are read on demand. */
export function openSafetensors(file: string): SafetensorsFile {
  if (os.endianness() !== 'LE') throw new BugError('safetensors reading needs a little-endian machine.');
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw ioError(file, 'open', error);
  }
  try {
    return openOnDescriptor(fd, file);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

function openOnDescriptor(fd: number, file: string): SafetensorsFile {
  const fileSize = fs.fstatSync(fd).size;
  const prefix = new Uint8Array(8);
  if (fileSize >= 8) readFully(fd, prefix, 0, file);
  const n = headerLength(prefix, fileSize, file);
  const headerBytes = new Uint8Array(n);
  readFully(fd, headerBytes, 8, file);
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
    readFully(fd, target, dataStart + entry.begin, file);
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
      const shape = [...entry.shape];
      const count = entry.shape.reduce((a, b) => a * b, 1);
      switch (entry.dtype) {
        case 'F32': {
          const data = new Float32Array(count);
          fill(entry, bytesOf(data));
          return { dtype: 'F32', shape, data };
        }
        case 'F64': {
          const data = new Float64Array(count);
          fill(entry, bytesOf(data));
          return { dtype: 'F64', shape, data };
        }
        case 'I64': {
          const data = new BigInt64Array(count);
          fill(entry, bytesOf(data));
          return { dtype: 'I64', shape, data };
        }
        case 'I32': {
          const data = new Int32Array(count);
          fill(entry, bytesOf(data));
          return { dtype: 'I32', shape, data };
        }
        case 'I16': {
          const data = new Int16Array(count);
          fill(entry, bytesOf(data));
          return { dtype: 'I16', shape, data };
        }
        case 'U8': {
          const data = new Uint8Array(count);
          fill(entry, data);
          return { dtype: 'U8', shape, data };
        }
        case 'BOOL': {
          const data = new Uint8Array(count);
          fill(entry, data);
          if (data.some((value) => value > 1)) {
            throw invalidSafetensors(file, `BOOL tensor "${name}" holds a byte other than 0 or 1`);
          }
          return { dtype: 'BOOL', shape, data };
        }
        case 'F16':
        case 'BF16': {
          const raw = new Uint8Array(entry.end - entry.begin);
          fill(entry, raw);
          return { dtype: 'F32', shape, data: entry.dtype === 'F16' ? decodeF16(raw) : decodeBF16(raw) };
        }
      }
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
