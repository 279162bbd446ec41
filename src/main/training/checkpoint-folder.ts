/**
 * A checkpoint folder replaced as a whole: everything is written into a sibling ".partial" folder,
 * then the old folder is moved aside, the new one renamed into place, and the old one removed. A
 * failure while writing (a full disk) leaves the previous checkpoint untouched; a kill between the
 * two renames leaves "<folder>.previous", which readCheckpointFolder falls back to.
 */
import fs from 'node:fs';

export function replaceFolder(folder: string, write: (partial: string) => void): void {
  const partial = `${folder}.partial`;
  const previous = `${folder}.previous`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    write(partial);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  if (fs.existsSync(folder)) {
    fs.rmSync(previous, { recursive: true, force: true });
    fs.renameSync(folder, previous);
  }
  fs.renameSync(partial, folder);
  fs.rmSync(previous, { recursive: true, force: true });
}

/** The folder if it is complete, else the one a kill left aside, else null. */
export function existingFolder(folder: string): string | null {
  if (fs.existsSync(folder)) return folder;
  const previous = `${folder}.previous`;
  return fs.existsSync(previous) ? previous : null;
}
