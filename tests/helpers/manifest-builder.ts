import fs from 'node:fs';
import path from 'node:path';

/** Write a manifest CSV (quoting every field) and return its path. */
export function writeManifest(dir: string, header: string[], rows: string[][], name = 'manifest.csv'): string {
  const quote = (field: string): string => `"${field.replace(/"/g, '""')}"`;
  const text = [header, ...rows].map((row) => row.map(quote).join(',')).join('\n');
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${text}\n`);
  return file;
}
