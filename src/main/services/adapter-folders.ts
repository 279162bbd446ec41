/** Copying PEFT adapter folders (just their two files) safely, and refusing to overwrite. */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../engine/io/peft-adapter';
import { copyFileAtomic } from '../fs/atomic-write';

/** Refuse a folder that exists with something in it (or a file in its place). */
export function requireNewOrEmptyFolder(folder: string, what: string): void {
  if (!fs.existsSync(folder)) return;
  if (!fs.statSync(folder).isDirectory()) {
    throw new UserError('INVALID_INPUT', `${folder} is a file; choose a folder for the ${what}.`);
  }
  if (fs.readdirSync(folder).length > 0) {
    throw new UserError(
      'INVALID_INPUT',
      `${folder} is not empty; choose a new or empty folder for the ${what} (nothing was overwritten).`,
    );
  }
}

/**
 * Copy adapter_model.safetensors, then adapter_config.json, into `destination` (created if
 * needed). Each file is copied to a temporary name and renamed, so a full disk never leaves a
 * half-written file, and a folder with a config always has its weights.
 */
export function copyAdapterFiles(source: string, destination: string): void {
  for (const name of [ADAPTER_WEIGHTS_FILE, ADAPTER_CONFIG_FILE]) {
    copyFileAtomic(path.join(source, name), path.join(destination, name));
  }
}
