#!/usr/bin/env node
// `npm start`: the desktop app when Electron can run here, otherwise web mode, saying why.
// `npm run serve` (--web): web mode directly. Other arguments go to `ctvlm serve`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRenderer, rendererIsStale } from './build-renderer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const webOnly = args.includes('--web');
const serveArgs = args.filter((a) => a !== '--web');

/** Null when Electron can start; otherwise the reason it cannot. */
function electronUnavailableReason() {
  if (process.env.CTVLM_WEB === '1') return 'CTVLM_WEB=1 asks for web mode';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'there is no display (DISPLAY/WAYLAND_DISPLAY unset), as on a headless GPU box';
  }
  const electronDir = path.join(root, 'node_modules', 'electron');
  if (!fs.existsSync(electronDir)) return 'the electron package is not installed';
  const binaryPresent = () => {
    const pathFile = path.join(electronDir, 'path.txt');
    if (!fs.existsSync(pathFile)) return false;
    return fs.existsSync(path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim()));
  };
  if (!binaryPresent()) {
    if (process.env.CI) return 'the Electron runtime is not downloaded (and CI=true forbids fetching it)';
    process.stderr.write('Fetching the Electron runtime (one time)…\n');
    const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
      stdio: 'ignore',
      timeout: 120_000,
    });
    if (result.status !== 0 || !binaryPresent())
      return 'the Electron runtime is missing and could not be downloaded (offline?)';
  }
  return null;
}

function run(command, commandArgs) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function startWeb() {
  if (rendererIsStale()) await buildRenderer();
  return run(process.execPath, [path.join(root, 'bin', 'ctvlm.mjs'), 'serve', ...serveArgs]);
}

async function main() {
  if (webOnly) return startWeb();
  const reason = electronUnavailableReason();
  if (reason) {
    process.stderr.write(`Starting web mode instead of the desktop app: ${reason}.\n`);
    return startWeb();
  }
  const started = Date.now();
  const code = await run(process.execPath, [
    path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
    'preview',
  ]);
  if (code !== 0 && Date.now() - started < 15_000) {
    process.stderr.write(
      `Starting web mode instead of the desktop app: Electron exited with code ${code} at start (if it names better-sqlite3, run \`npx @electron/rebuild -f -w better-sqlite3\` once).\n`,
    );
    return startWeb();
  }
  return code;
}

process.exitCode = await main();
