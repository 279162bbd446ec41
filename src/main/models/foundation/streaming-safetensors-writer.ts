/**
 * Write a safetensors file one tensor at a time: the header is computed from names, dtypes and
 * shapes known up front, then each tensor's bytes are appended as it is produced and dropped, so
 * the file is never assembled in memory. Layout and header are what safetensors-writer.ts (and
 * the official library) write: tensors by descending dtype alignment then name, compact JSON,
 * padded with spaces to a multiple of 8. The bytes are hashed as they are written.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { BugError, UserError } from '../../../shared/errors';
import { DTYPE_RANK, DTYPE_SIZES, type SafetensorsDtype, type Tensor } from '../../engine/io/safetensors-dtypes';

export interface PlannedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
}

export interface StreamingSafetensorsWriter {
  /** The order tensors must be written in. */
  readonly order: readonly PlannedTensor[];
  write(name: string, tensor: Tensor): void;
  /** Flush to disk and close; returns the file's sha256 and size. */
  finish(): { sha256: string; sizeBytes: number };
  /** Close without finishing (the caller removes the file). */
  abort(): void;
}

const compareUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function createStreamingSafetensorsWriter(
  file: string,
  planned: readonly PlannedTensor[],
  metadata: ReadonlyMap<string, string> = new Map(),
): StreamingSafetensorsWriter {
  const order = [...planned].sort((a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(a.name, b.name));
  const fields: string[] = [];
  if (metadata.size > 0) {
    const pairs = [...metadata.entries()].sort(([a], [b]) => compareUtf8(a, b));
    fields.push(`"__metadata__":{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  let offset = 0;
  for (const tensor of order) {
    const end = offset + tensor.shape.reduce((a, b) => a * b, 1) * DTYPE_SIZES[tensor.dtype];
    fields.push(
      `${JSON.stringify(tensor.name)}:{"dtype":"${tensor.dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const header = Buffer.alloc(8 + padded, 0x20);
  header.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(header, 8);

  const hash: Hash = createHash('sha256');
  let fd: number | null;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (error) {
    throw ioError(file, error);
  }
  let size = 0;
  const append = (bytes: Uint8Array): void => {
    if (fd === null) throw new BugError(`${file} was written after it was closed.`);
    let done = 0;
    try {
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      throw ioError(file, error);
    }
    hash.update(bytes);
    size += bytes.length;
  };
  append(header);
  let next = 0;

  return {
    order,
    write(name, tensor) {
      const plan = order[next];
      if (!plan || plan.name !== name)
        throw new BugError(`${file}: wrote ${name}, expected ${plan?.name ?? 'nothing'}.`);
      const count = plan.shape.reduce((a, b) => a * b, 1);
      if (tensor.dtype !== plan.dtype || tensor.data.length !== count) {
        throw new BugError(
          `${file}: ${name} is ${tensor.dtype} x ${tensor.data.length}, planned ${plan.dtype} x ${count}.`,
        );
      }
      append(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
      next += 1;
    },
    finish() {
      if (next !== order.length) throw new BugError(`${file}: ${order.length - next} tensors were never written.`);
      if (fd === null) throw new BugError(`${file} was finished twice.`);
      try {
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      } catch (error) {
        throw ioError(file, error);
      } finally {
        fd = null;
      }
      return { sha256: hash.digest('hex'), sizeBytes: size };
    },
    abort() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}

function ioError(file: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  const hint = code === 'ENOSPC' ? ' The disk is full: free some space and import again.' : '';
  return new UserError('IO_ERROR', `Could not write ${file} (${code}).${hint}`, { cause: error });
}
