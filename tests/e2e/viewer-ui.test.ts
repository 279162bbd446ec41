/**
 * End to end: the study page's CT viewer. The real CLI sets up a project (two phantom CTs with
 * reports, the tiny lesion model as its base model); the real server (`ctvlm serve`) serves the
 * page to Debian's Chromium with software WebGL (SwiftShader). Checked from screenshots of the
 * viewports (WebGL canvases are compared as pixels): the three MPR views render, a window preset
 * and the original/preprocessed switch change the picture, the HU probe reads a value, a Grad-CAM
 * map computed from the UI overlays the CT and "Jump to max" puts every view on the map's peak,
 * and the PNG and NIfTI exports download real files. A study whose CT is gone says so.
 * Screenshots are kept in test-results/viewer-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ctvlmJson, setLesionBaseModel } from '../helpers/cli-project';
import { writePhantomDataset } from '../helpers/phantom-dataset';
import { changedFraction, decodePng, isPng, luminanceStats, type Pixels } from '../helpers/png-pixels';
import { tempDir } from '../helpers/temp-dir';
import {
  ARTIFACTS,
  errorBanners,
  launchChromium,
  openPage as openBrowserPage,
  startWebServer,
  stopWebServers,
} from '../helpers/web-mode-browser';

const VIEWPORTS = ['axial', 'coronal', 'sagittal'] as const;
const LOAD_TIMEOUT_MS = 90_000;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium({ webgl: true });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(stopWebServers);

async function shot(locator: Locator, name?: string): Promise<Pixels> {
  const png = await locator.screenshot(name ? { path: path.join(ARTIFACTS, `viewer-${name}.png`) } : {});
  return decodePng(png);
}

const viewport = (page: Page, name: (typeof VIEWPORTS)[number]): Locator => page.getByTestId(`viewport-${name}`);

/** Waits until the viewer has shown its volume (or an error), then says which. */
async function viewerSettles(page: Page): Promise<string | null> {
  const viewer = page.getByTestId('study-viewer');
  await expect.poll(() => viewer.getAttribute('data-status'), { timeout: LOAD_TIMEOUT_MS }).toMatch(/^(ready|error)$/);
  return viewer.getAttribute('data-status');
}

/** Polls screenshots of a viewport until they differ from `before` (rendering is asynchronous). */
async function changesFrom(locator: Locator, before: Pixels): Promise<number> {
  let fraction = 0;
  await expect
    .poll(
      async () => {
        fraction = changedFraction(before, await shot(locator));
        return fraction;
      },
      { timeout: 15_000 },
    )
    .toBeGreaterThan(0.01);
  return fraction;
}

describe('the CT viewer in the browser', () => {
  it('renders three MPR views, windows, probes, switches volumes, overlays a Grad-CAM map and exports', async () => {
    const dataDir = tempDir('ctvlm-e2e-viewer-');
    const source = tempDir('ctvlm-e2e-viewer-source-');
    const { manifest, plans } = writePhantomDataset(source, { count: 3, seed: 11, heldOutLesions: true });
    const project = await ctvlmJson<{ id: string }>(dataDir, ['project', 'create', 'Viewer']);
    expect(
      (await ctvlmJson<{ imported: number }>(dataDir, ['import', project.id, '--manifest', manifest])).imported,
    ).toBe(3);
    await setLesionBaseModel(dataDir, project.id);
    // Sections found by the offline rules, to be highlighted in the report beside the viewer.
    await ctvlmJson(dataDir, ['extract', project.id, '--engine', 'rules']);
    // The second study's CT disappears after import: its page must say so.
    const [withMass, gone, third] = plans;
    fs.rmSync(path.join(source, 'volumes', `${gone?.studyUid}.nii.gz`));

    const { url } = await startWebServer(dataDir, ['--no-demo']);
    const { page, problems } = await openBrowserPage(browser, url, { width: 1600, height: 1000 });
    await page.getByRole('link', { name: 'Viewer' }).click();
    await page.locator(`tr[data-study-uid="${withMass?.studyUid}"]`).getByTestId('study-link').click();
    await page.getByTestId('study-page').waitFor();
    expect(await viewerSettles(page), await errorBanners(page)).toBe('ready');
    expect(await page.getByTestId('study-volume-info').textContent()).toMatch(/\d+ × \d+ × \d+ voxels/);
    expect(await page.getByTestId('report-text').textContent()).toMatch(/FINDINGS/);
    const findings = page
      .getByTestId('study-report')
      .locator('[data-testid="report-highlight"][data-section-family="findings"]');
    await expect.poll(() => findings.count(), { message: 'extracted findings are highlighted' }).toBeGreaterThan(0);

    // Three rendered views: real pictures, not a flat colour.
    const original: Record<string, Pixels> = {};
    for (const name of VIEWPORTS) {
      await expect
        .poll(async () => luminanceStats(await shot(viewport(page, name))).variance, { timeout: 15_000 })
        .toBeGreaterThan(50);
      const pixels = await shot(viewport(page, name), `original-${name}`);
      original[name] = pixels;
      expect(luminanceStats(pixels).levels, `${name} shows grey levels`).toBeGreaterThan(8);
    }
    expect(
      changedFraction(original.axial!, original.coronal!),
      'axial and coronal are different planes',
    ).toBeGreaterThan(0.05);

    // A window preset changes the picture and the status line.
    await page.getByTestId('preset-bone').click();
    await expect.poll(() => page.getByTestId('probe-window').textContent()).toBe('W 2500 / L 480');
    await changesFrom(viewport(page, 'axial'), original.axial!);
    await shot(viewport(page, 'axial'), 'bone-window-axial');
    await page.getByTestId('preset-soft-tissue').click();
    await expect.poll(() => page.getByTestId('probe-window').textContent()).toBe('W 400 / L 40');

    // Window/level by dragging with the left button (the default tool).
    const coronalBox = await viewport(page, 'coronal').boundingBox();
    if (!coronalBox) throw new Error('The coronal viewport has no box.');
    await page.mouse.move(coronalBox.x + 60, coronalBox.y + 60);
    await page.mouse.down();
    await page.mouse.move(coronalBox.x + 140, coronalBox.y + 120, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('probe-window').textContent()).not.toBe('W 400 / L 40');
    await page.getByTestId('preset-soft-tissue').click();
    await expect.poll(() => page.getByTestId('probe-window').textContent()).toBe('W 400 / L 40');

    // The HU probe under the mouse, at the middle of the axial view (inside the body).
    const box = await viewport(page, 'axial').boundingBox();
    if (!box) throw new Error('The axial viewport has no box.');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2 + 3, box.y + box.height / 2 + 2);
    await expect.poll(() => page.getByTestId('probe-value').textContent()).toMatch(/^-?\d+ HU$/);
    const hu = Number((await page.getByTestId('probe-value').textContent())?.replace(' HU', ''));
    expect(hu).toBeGreaterThan(-1100);
    expect(hu).toBeLessThan(3100);
    expect(await page.getByTestId('probe-voxel').textContent()).toMatch(/^\(\d+, \d+, \d+\)$/);
    expect(await page.getByTestId('probe-world').textContent()).toMatch(/^\(-?\d+\.\d, -?\d+\.\d, -?\d+\.\d\) mm$/);

    // The wheel scrolls the axial view through its slices.
    const axialCell = page.getByTestId('viewport-cell-axial');
    const sliceBefore = await axialCell.getAttribute('data-slice');
    await page.mouse.wheel(0, 300);
    await expect.poll(() => axialCell.getAttribute('data-slice')).not.toBe(sliceBefore);

    // The preprocessed volume (what the model sees) is another picture.
    await page.getByTestId('volume-preprocessed').click();
    await expect.poll(() => page.getByTestId('study-viewer').getAttribute('data-volume')).toBe('preprocessed');
    expect(await viewerSettles(page), await errorBanners(page)).toBe('ready');
    await changesFrom(viewport(page, 'coronal'), original.coronal!);
    await shot(viewport(page, 'coronal'), 'preprocessed-coronal');
    await page.getByTestId('volume-original').click();
    expect(await viewerSettles(page), await errorBanners(page)).toBe('ready');

    // Grad-CAM from the UI; the new map is selected and overlaid on the original CT.
    await page.getByTestId('gradcam-text').fill('Liver mass is present.');
    await page.getByTestId('gradcam-start').click();
    const row = page.getByTestId('gradcam-map-row');
    await row.or(page.getByTestId('gradcam-panel').locator('.error-banner')).first().waitFor({ timeout: 120_000 });
    expect(await row.count(), await errorBanners(page)).toBe(1);
    const viewer = page.getByTestId('study-viewer');
    await expect.poll(() => viewer.getAttribute('data-overlay'), { timeout: 30_000 }).toBe('shown');
    expect(await viewer.getAttribute('data-volume')).toBe('original');

    // Jump to max: every view shows the slice through the map's peak voxel.
    const peak = (await page.getByTestId('overlay-peak').textContent())?.match(/peak voxel \((\d+), (\d+), (\d+)\)/);
    expect(peak, 'the peak voxel is shown').toBeTruthy();
    const peakVoxel = [Number(peak?.[1]), Number(peak?.[2]), Number(peak?.[3])];
    await page.getByTestId('overlay-jump').click();
    for (const name of VIEWPORTS) {
      const cell = page.getByTestId(`viewport-cell-${name}`);
      const axis = Number(await cell.getAttribute('data-slice-axis'));
      await expect.poll(() => cell.getAttribute('data-slice'), { message: name }).toBe(String(peakVoxel[axis]));
    }
    // At the peak the map is 1: the overlay must change the picture against opacity 0.
    await page.getByTestId('overlay-opacity').fill('0');
    await expect.poll(() => page.getByTestId('overlay-controls').textContent()).toContain('Opacity 0.00');
    const withoutOverlay: Record<string, Pixels> = {};
    for (const name of VIEWPORTS) withoutOverlay[name] = await shot(viewport(page, name), `peak-no-overlay-${name}`);
    await page.getByTestId('overlay-opacity').fill('0.8');
    const overlaid = await Promise.all(
      VIEWPORTS.map((name) => changesFrom(viewport(page, name), withoutOverlay[name]!)),
    );
    for (const name of VIEWPORTS) await shot(viewport(page, name), `overlay-${name}`);
    expect(Math.max(...overlaid)).toBeGreaterThan(0.01);
    // The threshold hides the weaker part of the map.
    const beforeThreshold = await shot(viewport(page, 'axial'));
    await page.getByTestId('overlay-threshold').fill('0.9');
    await changesFrom(viewport(page, 'axial'), beforeThreshold);
    await page.getByTestId('overlay-threshold').fill('0.2');
    await page
      .getByTestId('overlay-controls')
      .screenshot({ path: path.join(ARTIFACTS, 'viewer-overlay-controls.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-page.png'), fullPage: true });

    // Exports: a PNG of the views and the map's NIfTI, as real downloads.
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
    const pngBytes = fs.readFileSync(await png.path());
    expect(isPng(pngBytes), 'PNG magic bytes').toBe(true);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    const exported = decodePng(pngBytes);
    expect(exported.width).toBeGreaterThan(exported.height);
    expect(luminanceStats(exported).variance).toBeGreaterThan(50);
    const [nifti] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-nifti').click()]);
    const niftiBytes = fs.readFileSync(await nifti.path());
    expect([niftiBytes[0], niftiBytes[1]], 'gzip magic bytes').toEqual([0x1f, 0x8b]);
    expect(niftiBytes.length).toBeGreaterThan(348);
    expect(nifti.suggestedFilename()).toMatch(/\.nii(\.gz)?$/);

    // Leaving and coming back: the viewer is rebuilt from scratch and renders again.
    await page.getByTestId('back-to-project').click();
    await page.locator(`tr[data-study-uid="${withMass?.studyUid}"]`).getByTestId('study-link').click();
    expect(await viewerSettles(page), await errorBanners(page)).toBe('ready');
    await expect
      .poll(async () => luminanceStats(await shot(viewport(page, 'axial'))).variance, { timeout: 15_000 })
      .toBeGreaterThan(50);
    expect(await page.getByTestId('gradcam-map-row').count()).toBe(1);

    // A study whose CT file is gone says why instead of a viewer.
    await page.getByTestId('back-to-project').click();
    await page.locator(`tr[data-study-uid="${gone?.studyUid}"]`).getByTestId('study-link').click();
    await page.getByTestId('volume-error').waitFor();
    expect(await page.getByTestId('volume-error').textContent()).toMatch(/missing/);
    expect(await page.getByTestId('study-viewer').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-volume-error.png') });

    // A volume the server fails to prepare: the HTTP status and the server's message are shown.
    await page.getByTestId('back-to-project').click();
    await page.locator(`tr[data-study-uid="${third?.studyUid}"]`).getByTestId('study-link').click();
    expect(await viewerSettles(page), await errorBanners(page)).toBe('ready');
    fs.rmSync(path.join(source, 'volumes', `${third?.studyUid}.nii.gz`));
    await page.getByTestId('volume-preprocessed').click();
    expect(await viewerSettles(page)).toBe('error');
    // The original stays on screen, and the switch says so.
    expect(await page.getByTestId('study-viewer').getAttribute('data-volume')).toBe('original');
    expect(await page.getByTestId('study-viewer').locator('.error-banner').first().textContent()).toMatch(
      /The preprocessed volume could not be read \(HTTP [45]\d\d[^)]*\): \S+/,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-fetch-error.png') });

    // The browser logs the refused request itself; nothing else may have gone wrong.
    expect(
      problems.filter(
        (problem) => !/Failed to load resource: the server responded with a status of [45]\d\d/.test(problem),
      ),
    ).toEqual([]);
    await page.close();
  }, 300_000);
});
