import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { sha256File } from '../../../../src/main/engine/io/sha256-file';
import { tempDir } from '../../../helpers/temp-dir';

describe('sha256File', () => {
  it('hashes a file by streaming it, matching the known digest and a one-shot hash', async () => {
    const dir = tempDir();
    const abc = path.join(dir, 'abc');
    fs.writeFileSync(abc, 'abc');
    // FIPS 180-2 test vector
    await expect(sha256File(abc)).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');

    const big = path.join(dir, 'big');
    const bytes = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
    fs.writeFileSync(big, bytes);
    await expect(sha256File(big)).resolves.toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('reports a missing file as an IO error naming it', async () => {
    const file = path.join(tempDir(), 'missing.pt');
    await expect(sha256File(file)).rejects.toBeInstanceOf(UserError);
    await expect(sha256File(file)).rejects.toThrow(`Could not read ${file} to compute its sha256 (ENOENT)`);
  });
});
