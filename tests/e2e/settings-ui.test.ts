/**
 * End to end: the Settings page in Debian's Chromium against the real server (`ctvlm serve`).
 * Reached from the header's Settings link, it shows the server's data folder; the doctor runs as a
 * background job and lists the compute backends (cpu at least available, one chosen); a Ollama
 * host on another machine is refused with the server's reason, a loopback one (a fake Ollama,
 * tests/helpers/fake-ollama-server.ts) is saved and checked, and it is still there after a reload.
 * Screenshot: test-results/settings-page.png.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama } from '../helpers/fake-ollama-server';
import { tempDir } from '../helpers/temp-dir';
import {
  ARTIFACTS,
  errorBanners,
  launchChromium,
  openPage,
  startWebServer,
  stopWebServers,
} from '../helpers/web-mode-browser';

const REMOTE_HOST = 'http://10.1.2.3:11434';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(stopWebServers);

describe('settings in the browser', () => {
  it('shows the data folder, runs the doctor, and saves and checks the Ollama host', async () => {
    const dataDir = tempDir('ctvlm-e2e-settings-');
    const ollama = await startFakeOllama();
    try {
      const { url } = await startWebServer(dataDir, ['--no-demo']);
      const { page, problems } = await openPage(browser, url);

      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-page').waitFor();
      expect(page.url()).toMatch(/#\/settings$/);

      // Data: the folder the server was started with.
      const data = page.getByTestId('settings-data');
      await expect.poll(() => data.getByTestId('settings-data-dir').textContent()).toBe(dataDir);
      expect(await data.getByTestId('settings-mode').textContent()).toBe('web');

      // Compute backend: the doctor job, then one row per backend.
      const compute = page.getByTestId('settings-compute');
      await compute.getByRole('button', { name: 'Run the doctor' }).click();
      await compute
        .getByTestId('doctor-report')
        .or(compute.locator('.error-banner'))
        .first()
        .waitFor({ timeout: 90_000 });
      expect(await compute.getByTestId('doctor-report').count(), await errorBanners(compute)).toBe(1);
      const rows = compute.getByTestId('doctor-backend-row');
      const names = await Promise.all((await rows.all()).map((row) => row.getAttribute('data-backend')));
      expect(names).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
      expect(
        await compute.locator('[data-testid="doctor-backend-row"][data-backend="cpu"]').getAttribute('data-available'),
      ).toBe('true');
      const chosen = compute.locator('[data-testid="doctor-backend-row"][data-chosen="true"]');
      expect(await chosen.count()).toBe(1);
      expect(await chosen.getAttribute('data-state')).toBe('chosen');
      const chosenName = (await compute.getByTestId('doctor-chosen').textContent()) ?? '';
      expect(await chosen.getAttribute('data-backend')).toBe(chosenName);
      expect(await chosen.textContent()).toMatch(/passed in \d+ ms/);
      expect(await compute.getByTestId('doctor-job').count()).toBe(0);

      // Ollama: a host on another machine is refused with the reason; a loopback one is saved.
      const card = page.getByTestId('settings-ollama');
      const hostField = card.getByTestId('settings-ollama-host');
      await expect.poll(() => hostField.inputValue()).toBe('http://127.0.0.1:11434');
      await hostField.fill(REMOTE_HOST);
      await card.getByRole('button', { name: 'Save' }).click();
      await card.locator('.error-banner').waitFor();
      expect(await card.locator('.error-banner').textContent()).toContain('Ollama must run on it');
      expect(await card.getByTestId('settings-ollama-saved').count()).toBe(0);
      expect(problems).toEqual([expect.stringMatching(/status of 400/)]); // the refused request, logged by Chromium
      problems.splice(0);

      await hostField.fill(ollama.host);
      await card.getByRole('button', { name: 'Save' }).click();
      await card.getByTestId('settings-ollama-saved').waitFor();
      expect(await card.locator('.error-banner').count()).toBe(0);
      await card.getByRole('button', { name: 'Check' }).click();
      const status = card.getByTestId('settings-ollama-status');
      await status.waitFor();
      expect(await status.getAttribute('data-reachable'), await errorBanners(card)).toBe('true');
      expect(await card.getByTestId('settings-ollama-version').textContent()).toBe('0.12.6');
      await page.screenshot({ path: path.join(ARTIFACTS, 'settings-page.png'), fullPage: true });

      // The saved host is the server's: still there after a reload.
      await page.reload();
      await page.getByTestId('settings-page').waitFor();
      await expect.poll(() => page.getByTestId('settings-ollama-host').inputValue()).toBe(ollama.host);

      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await ollama.close();
    }
  });
});
