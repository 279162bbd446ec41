/**
 * A checkpoint to import, PyTorch (.pt/.pth/.bin: torch.save's zip, read through the restricted
 * unpickler) or safetensors, behind one interface: names and shapes at open, one tensor's values
 * at a time on demand, so a 1-2 GB checkpoint is never held whole.
 */
import fs from 'node:fs';
import { UserError } from '../../../shared/errors';
import type { Tensor } from '../../engine/io/safetensors-dtypes';
import { openSafetensors } from '../../engine/io/safetensors-reader';
import { openTorchCheckpoint } from '../../engine/io/torch';

export interface CheckpointSource {
  readonly file: string;
  readonly format: 'torch' | 'safetensors';
  /** In the file's order: the stored dtype and the shape. */
  readonly tensors: ReadonlyMap<string, { readonly dtype: string; readonly shape: readonly number[] }>;
  /** What the reader unwrapped or skipped, for a person to read. */
  readonly notes: readonly string[];
  read(name: string): Tensor;
  close(): void;
}

export function openCheckpointSource(file: string): CheckpointSource {
  const format = detectFormat(file);
  if (format === 'torch') {
    const checkpoint = openTorchCheckpoint(file);
    return {
      file,
      format,
      tensors: checkpoint.tensors,
      notes: checkpoint.notes,
      read: (name) => checkpoint.read(name),
      close: () => checkpoint.close(),
    };
  }
  let handle;
  try {
    handle = openSafetensors(file);
  } catch (error) {
    if (error instanceof UserError && error.code === 'INVALID_INPUT') {
      throw new UserError('CHECKPOINT_INVALID', error.message, { cause: error });
    }
    throw error;
  }
  const opened = handle;
  return {
    file,
    format,
    tensors: opened.tensors,
    notes: [],
    read: (name) => opened.read(name),
    close: () => opened.close(),
  };
}

/** By extension; an unknown one by its first bytes (a torch.save zip starts with PK). */
function detectFormat(file: string): 'torch' | 'safetensors' {
  if (/\.safetensors$/i.test(file)) return 'safetensors';
  if (/\.(pt|pth|bin|ckpt)$/i.test(file)) return 'torch';
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(2);
      fs.readSync(fd, head, 0, 2, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError('IO_ERROR', `Cannot read ${file} (${code}). Check that it exists and is readable.`, {
      cause: error,
    });
  }
  return head.toString('latin1') === 'PK' ? 'torch' : 'safetensors';
}
