import fs from 'node:fs';
import path from 'node:path';
import { formatManifest } from '../../src/main/datasets/manifest-writer';

/** Write a manifest CSV and return its path. */
export function writeManifest(dir: string, header: string[], rows: string[][], name = 'manifest.csv'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, formatManifest(header, rows));
  return file;
}
