/**
 * Write a file so that a crash or a full disk never leaves a half-written file under the
 * final name: write to a temporary file beside it, flush it to disk, then rename.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors';

export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  replaceAtomically(file, `write ${file}`, (temporary) => {
    const fd = fs.openSync(temporary, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Copy `source` to `target` the same way: into a temporary name, flushed, then renamed. */
export function copyFileAtomic(source: string, target: string): void {
  replaceAtomically(target, `copy ${source} to ${target}`, (temporary) => {
    fs.copyFileSync(source, temporary);
    const fd = fs.openSync(temporary, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

function replaceAtomically(file: string, what: string, fillTemporary: (temporary: string) => void): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fillTemporary(temporary);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOSPC' ? ' The disk is full: free some space and try again.' : '';
    throw new UserError(
      'IO_ERROR',
      `Could not ${what} (${code ?? (error as Error).message}).${hint} Nothing was overwritten.`,
      {
        cause: error,
      },
    );
  }
}
