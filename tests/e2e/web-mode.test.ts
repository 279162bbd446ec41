/**
 * End to end: the real server process (`ctvlm serve`), the built renderer, Debian's
 * Chromium through playwright-core. Screenshots are kept in test-results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STUDY_COUNT } from '../../src/main/demo/demo-build-job';
import { stopProcess } from '../helpers/child-process';
import { writeManifest } from '../helpers/manifest-builder';
import { SHARED_FIXTURES } from '../helpers/paths';
import { tempDir } from '../helpers/temp-dir';
import {
  ARTIFACTS,
  launchChromium,
  openPage as openBrowserPage,
  startWebServer,
  stopWebServers,
} from '../helpers/web-mode-browser';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(stopWebServers);

const startServer = startWebServer;
const openPage = (url: string) => openBrowserPage(browser, url);

describe('web mode in Chromium', () => {
  it('creates a project in the browser, and still lists it after the server restarts', async () => {
    const dataDir = tempDir('ctvlm-e2e-');
    const first = await startServer(dataDir, ['--no-demo']);
    const { page, problems } = await openPage(first.url);
    await page.getByText('No projects yet').waitFor();
    expect(page.url()).not.toContain('token='); // the token is taken out of the address bar

    await page.getByLabel('Name').fill('Pancreas pilot');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Pancreas pilot' }).waitFor();
    expect(await page.locator('[data-count="studies"]').textContent()).toBe('0');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-mode-new-project.png') });
    expect(fs.existsSync(path.join(dataDir, 'projects', 'Pancreas pilot', 'project.sqlite'))).toBe(true);

    // Import a dataset from the UI: two good studies, one whose image is missing.
    const source = tempDir('ctvlm-e2e-source-');
    fs.symlinkSync(path.join(SHARED_FIXTURES, 'ct', 'head-ct-small.nii.gz'), path.join(source, 'head.nii.gz'));
    const manifest = writeManifest(
      source,
      ['study_id', 'patient_id', 'image', 'report', 'label:hemorrhage'],
      [
        ['ct-1', 'p1', 'head.nii.gz', 'FINDINGS: No hemorrhage.', '0'],
        ['ct-2', 'p2', 'head.nii.gz', 'FINDINGS: Acute subdural hemorrhage.', '1'],
        ['ct-3', 'p3', 'lost.nii.gz', 'FINDINGS: Normal.', '0'],
      ],
      'site-a.csv',
    );
    await page.getByLabel('Manifest file').fill(manifest);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('[data-count="studies"]', { hasText: '2' }).waitFor();
    await page.getByRole('heading', { name: 'Import problems (1)' }).waitFor();
    await expect(page.locator('table.import-errors').textContent()).resolves.toContain('lost.nii.gz does not exist');
    await expect(page.locator('.job[data-status="succeeded"]').textContent()).resolves.toContain('Importing a dataset');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-mode-import.png'), fullPage: true });

    await stopProcess(first.child);
    const second = await startServer(dataDir, ['--no-demo']);
    expect(second.url).not.toBe(first.url); // a new token per launch
    await page.goto(second.url);
    // The old page's event socket retried the stopped server before this navigation: not a fault.
    problems.splice(0);
    await page.getByRole('link', { name: 'Pancreas pilot' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-mode-after-restart.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it(
    'shows the demo project built on first start, with progress, and opens its studies',
    { timeout: 360_000 },
    async () => {
      const dataDir = tempDir('ctvlm-e2e-');
      const server = await startServer(dataDir);
      const { page, problems } = await openPage(server.url);
      await page.getByRole('link', { name: 'Demo: synthetic abdomen' }).waitFor();
      await page.locator('.job[data-status="succeeded"]').waitFor({ timeout: 300_000 });
      expect(await page.getByRole('progressbar').first().getAttribute('aria-valuenow')).toBe('100');
      await page.getByRole('link', { name: 'Demo: synthetic abdomen' }).click();
      await page.getByRole('heading', { name: /Demo: synthetic abdomen/ }).waitFor();
      await page.locator('[data-count="studies"]', { hasText: String(DEMO_STUDY_COUNT) }).waitFor();
      const onePage = Math.min(25, DEMO_STUDY_COUNT);
      await page
        .locator('table.studies tbody tr')
        .nth(onePage - 1)
        .waitFor(); // the table renders after the counts
      expect(await page.locator('table.studies tbody tr').count()).toBe(onePage);
      await expect(page.getByText(/Page 1 of \d+/).textContent()).resolves.toBe(
        `Page 1 of ${Math.ceil(DEMO_STUDY_COUNT / 25)}`,
      );
      // Search and filter: one split, then one study by its id.
      const studiesTable = page.getByTestId('studies-table');
      await studiesTable.getByLabel('Split').selectOption('val');
      await expect.poll(() => studiesTable.getByTestId('studies-total').textContent()).toBe('20 studies');
      expect(await studiesTable.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(Array(20).fill('val'));
      const uid = (await studiesTable.locator('tbody tr').nth(3).getAttribute('data-study-uid')) ?? '';
      await studiesTable.getByLabel('Search studies').fill(uid);
      await expect.poll(() => studiesTable.getByTestId('studies-total').textContent()).toBe('1 study');
      expect(await studiesTable.locator('tbody tr').getAttribute('data-study-uid')).toBe(uid);
      await page.screenshot({ path: path.join(ARTIFACTS, 'web-mode-demo-project.png') });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('refuses the API to a page opened without the token, and says what to do', async () => {
    const dataDir = tempDir('ctvlm-e2e-');
    const server = await startServer(dataDir, ['--no-demo']);
    const page = await browser.newPage();
    await page.goto(`${server.origin}/`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('access token');
    const status = await page.evaluate(
      async () =>
        (
          await fetch('/api/invoke/projects.list', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
    );
    expect(status).toBe(401);
    await page.close();
  });
});
