/**
 * Starts a worker thread on a module next to the caller, .ts (under tsx: development, tests,
 * `node --import tsx`) or .js (bundled).
 *
 * Node 20 does not apply `--import tsx` given in a Worker's execArgv to the worker's own entry
 * (ERR_UNKNOWN_FILE_EXTENSION), so a .ts entry is started from a tiny ESM bootstrap that first
 * registers tsx's loader through `tsx/esm/api` and then imports the entry. The tsx package is
 * found as in jobs/node-worker-launcher.ts (resolved from this file), and its ESM API file is
 * read from tsx's package.json "exports", because require.resolve would pick the CommonJS one.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BugError } from '../../../shared/errors';

const require = createRequire(import.meta.url);

let tsxEsmApiUrl: string | null = null;

function resolveTsxEsmApi(): string {
  if (tsxEsmApiUrl) return tsxEsmApiUrl;
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } | string } | string>;
  };
  const entry = manifest.exports?.['./esm/api'];
  const target = typeof entry === 'object' ? entry.import : undefined;
  const file = typeof target === 'object' ? target.default : target;
  if (!file) throw new BugError(`Cannot find tsx's ESM API in ${manifestPath}; worker threads cannot load .ts files.`);
  tsxEsmApiUrl = pathToFileURL(path.join(path.dirname(manifestPath), file)).href;
  return tsxEsmApiUrl;
}

export function startWorkerThread(entryPath: string): Worker {
  const entryUrl = pathToFileURL(entryPath).href;
  if (!entryPath.endsWith('.ts')) return new Worker(new URL(entryUrl));
  const bootstrap =
    `import(${JSON.stringify(resolveTsxEsmApi())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl)}); })` +
    `.catch((error) => { setImmediate(() => { throw error; }); });`;
  return new Worker(bootstrap, { eval: true });
}
