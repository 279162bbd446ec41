#!/usr/bin/env node
// Builds the renderer for web mode (out/renderer). With --if-stale, only when a source
// file under src/renderer or src/shared is newer than the last build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'out', 'renderer', 'index.html');
const sources = ['src/renderer', 'src/shared', 'vite.renderer.config.ts', 'package.json'].map((p) =>
  path.join(root, p),
);

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(target)
    .reduce((max, name) => Math.max(max, newestMtime(path.join(target, name))), stat.mtimeMs);
}

export function rendererIsStale() {
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  return sources.some((source) => newestMtime(source) > built);
}

export async function buildRenderer() {
  const started = Date.now();
  await build({ configFile: path.join(root, 'vite.renderer.config.ts'), logLevel: 'warn' });
  console.error(`Built the workbench UI in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !rendererIsStale()) process.exit(0);
  await buildRenderer();
}
