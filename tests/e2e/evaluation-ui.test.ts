/**
 * End to end: the Evaluation section of the project page. The real CLI sets up a project (phantom
 * CTs with a label:liver_mass column, all in the test split) and its base model; the evaluation is
 * started from the UI of the real server (`ctvlm serve`) in Debian's Chromium, then its comparison
 * row, per-class metrics, ROC curve, embedding scatter and similarity heatmap are checked.
 * Screenshots are kept in test-results/evaluation-*.png.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomDataset } from '../helpers/phantom-dataset';
import { REPO_ROOT } from '../helpers/paths';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';
import {
  ARTIFACTS,
  launchChromium,
  openPage as openBrowserPage,
  startWebServer,
  stopWebServers,
} from '../helpers/web-mode-browser';

const STUDIES_PER_LABEL = 4;
const STUDIES = 2 * STUDIES_PER_LABEL;

/** The little of HTMLCanvasElement the pixel check uses (the tests are compiled without the DOM lib). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(stopWebServers);

/** Runs `ctvlm --data-dir DIR --json ...` and returns its parsed JSON result. */
async function cli<T>(dataDir: string, args: string[]): Promise<T> {
  const result = await ctvlm(['--data-dir', dataDir, '--json', ...args]);
  if (result.code !== 0) throw new Error(`ctvlm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function startServer(dataDir: string): Promise<string> {
  return (await startWebServer(dataDir, ['--no-demo'])).url;
}

const openPage = (url: string) => openBrowserPage(browser, url, { width: 1400, height: 900 });

/** The error banners' text, to say what broke when an assertion fails. */
async function banners(page: Page): Promise<string> {
  const texts = await page.locator('.error-banner, .plot [role="alert"]').allTextContents();
  return texts.length ? `error shown: ${texts.join(' | ')}` : 'no error banner shown';
}

describe('evaluation in the browser', () => {
  it('evaluates the base model from the UI and shows metrics, ROC, embeddings and similarities', async () => {
    const dataDir = tempDir('ctvlm-e2e-eval-');
    const source = tempDir('ctvlm-e2e-eval-source-');
    const { manifest } = writePhantomDataset(source, { count: STUDIES, seed: 11, heldOutLesions: true });
    const project = await cli<{ id: string }>(dataDir, ['project', 'create', 'Liver eval']);
    const imported = await cli<{ imported: number }>(dataDir, ['import', project.id, '--manifest', manifest]);
    expect(imported.imported).toBe(STUDIES);
    await cli(dataDir, [
      'model',
      'set-base',
      project.id,
      path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model'),
      '--tokenizer',
      path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece'),
      '--preset',
      path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model-preset.json'),
    ]);
    await cli(dataDir, ['project', 'create', 'No model']);

    const { page, problems } = await openPage(await startServer(dataDir));
    await page.getByRole('link', { name: 'Liver eval' }).click();
    const panel = page.getByTestId('evaluation-panel');
    await panel.getByTestId('base-model').waitFor();
    expect(await panel.getByTestId('base-model').textContent()).toContain('ctvlm-tiny-lesion-fixture');
    await page.getByTestId('evaluation-task').selectOption('phantom-liver-mass');
    expect(await page.getByTestId('evaluation-split').inputValue()).toBe('test');
    await page.getByTestId('evaluation-resamples').fill('200');
    await page.getByTestId('evaluation-form').screenshot({ path: path.join(ARTIFACTS, 'evaluation-form.png') });
    await page.getByTestId('evaluation-start').click();

    const row = page.getByTestId('evaluation-row');
    await row.or(panel.locator('.error-banner')).first().waitFor({ timeout: 90_000 });
    expect(await row.count(), await banners(page)).toBe(1);
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain('phantom-liver-mass');
    expect(rowText, 'AUROC with its CI in the comparison row').toMatch(/\d\.\d{3} \[\d\.\d{2}, \d\.\d{2}\]/);
    await row.click();

    const detail = page.getByTestId('evaluation-detail');
    await detail.or(panel.locator('.error-banner')).first().waitFor();
    const auroc = (await detail.getByTestId('class-auroc').first().textContent()) ?? '';
    expect(auroc, await banners(page)).toMatch(/\d\.\d{3}/);
    expect(await detail.getByTestId('class-positives').first().textContent()).toBe(String(STUDIES_PER_LABEL));
    expect(await detail.getByTestId('class-negatives').first().textContent()).toBe(String(STUDIES_PER_LABEL));
    const curve = detail.getByTestId('roc-curve').first();
    expect((await curve.getAttribute('points'))?.split(' ').length ?? 0).toBeGreaterThanOrEqual(2);
    expect(await detail.getByTestId('roc-diagonal').count()).toBeGreaterThan(0);
    expect(await detail.getByTestId('confusion-matrix').count()).toBe(1);
    expect(await detail.getByTestId('retrieval-metrics').textContent()).toMatch(/R@1/);
    await detail.screenshot({ path: path.join(ARTIFACTS, 'evaluation-detail.png') });

    // The scatter: another method first, then PCA, which must show every image and report.
    const scatter = page.getByTestId('embedding-scatter');
    const marks = scatter.locator('[data-testid="scatter-svg"] circle, [data-testid="scatter-svg"] path');
    await scatter.getByTestId('projection-method').selectOption('umap');
    await scatter.locator('[data-testid="scatter-svg"], [data-testid="projection-note"]').first().waitFor();
    await scatter.getByTestId('projection-method').selectOption('pca');
    await expect.poll(() => marks.count(), { message: await banners(page) }).toBeGreaterThanOrEqual(2 * STUDIES);
    expect(await scatter.locator('circle').count()).toBe(STUDIES);
    expect(await scatter.locator('circle title').first().textContent()).toMatch(/lesion-11-\d+/);

    // The heatmap: drawn, so its pixels are not all one colour.
    const canvas = page.getByTestId('similarity-canvas');
    await canvas.or(page.getByTestId('similarity-heatmap').getByRole('alert')).first().waitFor();
    expect(await canvas.count(), await banners(page)).toBe(1);
    const pixels = await canvas.evaluate((element) => {
      const context = (element as unknown as CanvasLike).getContext('2d');
      if (!context) return { opaque: 0, colours: 0 };
      const { width, height } = element as unknown as CanvasLike;
      const { data } = context.getImageData(0, 0, width, height);
      const colours = new Set<number>();
      let opaque = 0;
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i + 3] ?? 0) === 0) continue;
        opaque += 1;
        colours.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
      }
      return { opaque, colours: colours.size };
    });
    expect(pixels.opaque).toBeGreaterThan(0);
    expect(pixels.colours).toBeGreaterThan(2);
    await page.locator('.evaluation-plots').screenshot({ path: path.join(ARTIFACTS, 'evaluation-plots.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'evaluation-page.png'), fullPage: true });

    // A project without a base model says how to set one, and offers no form.
    await page.getByRole('link', { name: 'CT-VLM Workbench' }).click();
    await page.getByRole('link', { name: 'No model' }).click();
    await page.getByTestId('no-base-model').waitFor();
    // The hint names the project's folder once the project has been read.
    await expect
      .poll(() => page.getByTestId('no-base-model').textContent(), { timeout: 30_000 })
      .toMatch(/No model' CHECKPOINT_DIR/);
    expect(await page.getByTestId('no-base-model').textContent()).toMatch(
      /ctvlm model set-base '\S+\/No model' CHECKPOINT_DIR/,
    );
    expect(await page.getByTestId('evaluation-form').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'evaluation-no-base-model.png') });

    expect(problems).toEqual([]);
    await page.close();
  });
});
