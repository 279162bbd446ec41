import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { existingFolder, replaceFolder } from '../../../src/main/training/checkpoint-folder';
import { tempDir } from '../../helpers/temp-dir';

/** Every file under `folder` (relative path → bytes, hex). */
function contents(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(folder, full)] = fs.readFileSync(full).toString('hex');
  }
  return out;
}

function writeCheckpoint(partial: string, epoch: number): void {
  fs.writeFileSync(path.join(partial, 'adapter_model.safetensors'), Buffer.alloc(4096, epoch));
  fs.writeFileSync(path.join(partial, 'trainer-state.json'), JSON.stringify({ epoch }));
  fs.mkdirSync(path.join(partial, 'extra'));
  fs.writeFileSync(path.join(partial, 'extra', 'notes.txt'), `epoch ${epoch}`);
}

function siblings(folder: string): string[] {
  return fs.readdirSync(path.dirname(folder)).sort();
}

describe('replaceFolder', () => {
  it('writes a new folder, then replaces it whole (no file of the old one survives)', () => {
    const folder = path.join(tempDir(), 'last');
    replaceFolder(folder, (partial) => {
      expect(partial).toBe(`${folder}.partial`);
      expect(fs.existsSync(folder)).toBe(false);
      writeCheckpoint(partial, 1);
      fs.writeFileSync(path.join(partial, 'only-in-epoch-1'), 'x');
    });
    expect(contents(folder)['trainer-state.json']).toBe(Buffer.from('{"epoch":1}').toString('hex'));
    expect(siblings(folder)).toEqual(['last']);

    replaceFolder(folder, (partial) => {
      // The old checkpoint stays in place while the new one is written.
      expect(JSON.parse(fs.readFileSync(path.join(folder, 'trainer-state.json'), 'utf8'))).toEqual({ epoch: 1 });
      writeCheckpoint(partial, 2);
    });
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'trainer-state.json'), 'utf8'))).toEqual({ epoch: 2 });
    expect(fs.existsSync(path.join(folder, 'only-in-epoch-1'))).toBe(false);
    expect(siblings(folder)).toEqual(['last']);
  });

  it('keeps the previous folder byte for byte when the write fails part-way (a full disk)', () => {
    const folder = path.join(tempDir(), 'last');
    replaceFolder(folder, (partial) => writeCheckpoint(partial, 1));
    const before = contents(folder);

    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
    let thrown: unknown = null;
    try {
      replaceFolder(folder, (partial) => {
        fs.writeFileSync(path.join(partial, 'trainer-state.json'), JSON.stringify({ epoch: 2 }));
        // Half of the weights file is on disk when the disk fills up.
        const fd = fs.openSync(path.join(partial, 'adapter_model.safetensors'), 'w');
        fs.writeSync(fd, Buffer.alloc(2048, 2));
        fs.closeSync(fd);
        throw full;
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(full);
    expect((thrown as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(contents(folder)).toEqual(before);
    expect(siblings(folder)).toEqual(['last']);
    expect(existingFolder(folder)).toBe(folder);
  });

  it('clears a stale ".partial" left by an earlier crash before writing', () => {
    const folder = path.join(tempDir(), 'best');
    fs.mkdirSync(`${folder}.partial`);
    fs.writeFileSync(path.join(`${folder}.partial`, 'half-written'), 'junk');
    replaceFolder(folder, (partial) => {
      expect(fs.readdirSync(partial)).toEqual([]);
      writeCheckpoint(partial, 3);
    });
    expect(Object.keys(contents(folder)).sort()).toEqual(
      ['adapter_model.safetensors', path.join('extra', 'notes.txt'), 'trainer-state.json'].sort(),
    );
    expect(siblings(folder)).toEqual(['best']);
  });
});

describe('existingFolder', () => {
  it('gives the folder when it is there, else the ".previous" a kill between the renames left, else null', () => {
    const dir = tempDir();
    const folder = path.join(dir, 'last');
    expect(existingFolder(folder)).toBeNull();

    replaceFolder(folder, (partial) => writeCheckpoint(partial, 1));
    const epoch1 = contents(folder);
    expect(existingFolder(folder)).toBe(folder);

    // A kill after the old folder was moved aside and before the new one was renamed in:
    fs.renameSync(folder, `${folder}.previous`);
    fs.mkdirSync(`${folder}.partial`);
    fs.writeFileSync(path.join(`${folder}.partial`, 'adapter_model.safetensors'), 'half');
    expect(existingFolder(folder)).toBe(`${folder}.previous`);
    expect(contents(existingFolder(folder)!)).toEqual(epoch1);

    // The next write recovers: the new folder is in place and both leftovers are gone.
    replaceFolder(folder, (partial) => writeCheckpoint(partial, 2));
    expect(existingFolder(folder)).toBe(folder);
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'trainer-state.json'), 'utf8'))).toEqual({ epoch: 2 });
    expect(siblings(folder)).toEqual(['last']);

    // A kill after the rename but before ".previous" was removed: the new folder wins.
    fs.mkdirSync(`${folder}.previous`);
    expect(existingFolder(folder)).toBe(folder);
  });
});
