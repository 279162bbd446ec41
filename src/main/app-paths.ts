import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the workbench's package.json, whether run from src/ (tsx) or out/ (bundled). */
export function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'ctvlm-workbench') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the CT-VLM Workbench installation folder (package.json).');
    dir = parent;
  }
}

/** The built renderer that web mode serves. */
export function rendererBuildDir(): string {
  return path.join(appRoot(), 'out', 'renderer');
}

/** Files shipped with the workbench (tokenizers, the demo model). */
export function resourcesDir(): string {
  return path.join(appRoot(), 'resources');
}
