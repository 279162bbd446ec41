/**
 * Synchronous positioned reads of a file held open by descriptor, shared by the safetensors and
 * PyTorch checkpoint readers: opening (closing again if the caller's setup throws), filling a byte
 * range in chunks, and the IO_ERROR a person sees when the file cannot be opened or read.
 */
import fs from 'node:fs';
import os from 'node:os';
import { BugError, UserError } from '../../../shared/errors';

/** Largest single fs.readSync: well under Node's 2 GiB limit. */
const READ_CHUNK = 1 << 30;

export function ioError(file: string, action: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new UserError('IO_ERROR', `Could not ${action} ${file} (${code}). Check that it exists and is readable.`, {
    cause: error,
  });
}

/**
 * Open `file` for reading and hand its descriptor to `setup`; the descriptor is closed if `setup`
 * throws (otherwise what `setup` returns owns it). `format` names the reader in the little-endian check.
 */
export function openForReading<T>(file: string, format: string, setup: (fd: number) => T): T {
  if (os.endianness() !== 'LE') throw new BugError(`${format} reading needs a little-endian machine.`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw ioError(file, 'open', error);
  }
  try {
    return setup(fd);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/** Fill `target` from the file at `position`; a read that finds the end early throws `truncated(at)`. */
export function readFully(
  fd: number,
  target: Uint8Array,
  position: number,
  file: string,
  truncated: (at: number) => Error,
): void {
  let done = 0;
  while (done < target.length) {
    const length = Math.min(READ_CHUNK, target.length - done);
    let count: number;
    try {
      count = fs.readSync(fd, target, done, length, position + done);
    } catch (error) {
      throw ioError(file, 'read', error);
    }
    if (count === 0) throw truncated(position + done);
    done += count;
  }
}
