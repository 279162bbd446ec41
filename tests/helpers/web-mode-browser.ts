/**
 * For end-to-end tests: Debian's Chromium through playwright-core, the real `ctvlm serve` process
 * on a free loopback port, pages that record their errors, and the screenshot folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { stopProcess, waitForLine } from './child-process';
import { CLI_BIN, REPO_ROOT } from './paths';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-results');

const servers: ChildProcess[] = [];

/**
 * WebGL 2 without a GPU (cornerstone3D/vtk.js): ANGLE on SwiftShader. Headless Debian Chromium then
 * reports "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))" as its renderer.
 */
const WEBGL_FLAGS = ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

export interface LaunchOptions {
  /** Software WebGL for pages that render with it (the CT viewer); without it, --disable-gpu. */
  webgl?: boolean;
}

/** Chromium, after checking the renderer was built. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('The renderer is not built: run `npm run build:renderer` (npm test does it).');
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      ...(options.webgl ? WEBGL_FLAGS : ['--disable-gpu']),
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** `ctvlm serve` on port 0; its URL (with the token) once it listens. Stop it with stopWebServers. */
export async function startWebServer(
  dataDir: string,
  extra: string[] = [],
): Promise<{ url: string; origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI_BIN, '--data-dir', dataDir, '--json', 'serve', '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  const match = await waitForLine(child, /^(\{.*"url".*\})$/m);
  const { url, origin } = JSON.parse(match[1] ?? '{}') as { url: string; origin: string };
  return { url, origin, child };
}

export async function stopWebServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => stopProcess(server)));
}

/** A page, and the errors it logged (uncaught exceptions and console errors). */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(url);
  return { page, problems };
}

/** The text of the error banners in `scope` (or of what `selector` finds), to say what broke when an assertion fails. */
export async function errorBanners(scope: Page | Locator, selector = '.error-banner'): Promise<string> {
  const texts = await scope.locator(selector).allTextContents();
  return texts.length ? `error shown: ${texts.join(' | ')}` : 'no error banner shown';
}
