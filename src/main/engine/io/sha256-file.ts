/** The sha256 of a file, streamed (base-model checkpoints are over a gigabyte). */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { UserError } from '../../../shared/errors';

/** Lower-case hex sha256 of the file's bytes. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(
      'IO_ERROR',
      `Could not read ${file} to compute its sha256 (${code}). Check that it exists and is readable.`,
      {
        cause: error,
      },
    );
  }
  return hash.digest('hex');
}
