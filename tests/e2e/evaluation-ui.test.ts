/**
 * End to end: the Evaluation section of the project page. The real CLI sets up a project (phantom
 * CTs with a label:liver_mass column, all in the test split) and its base model; the evaluation is
 * started from the UI of the real server (`ctvlm serve`) in Debian's Chromium, then its comparison
 * row, per-class metrics, ROC curve, the ECharts dashboards (per-class AUROC with CI error bars, a
 * radar of the headline metrics with a second evaluation overlaid), embedding scatter and similarity
 * heatmap are checked.
 * Screenshots are kept in test-results/evaluation-*.png.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { EvaluationRow, MetricsDocument } from '../../src/shared/api/evaluation-schemas';
import type { ConfidenceInterval } from '../../src/shared/api/metrics-schemas';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ctvlmJson, setLesionBaseModel } from '../helpers/cli-project';
import { writePhantomDataset } from '../helpers/phantom-dataset';
import { tempDir } from '../helpers/temp-dir';
import {
  ARTIFACTS,
  errorBanners,
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

async function startServer(dataDir: string): Promise<string> {
  return (await startWebServer(dataDir, ['--no-demo'])).url;
}

const openPage = (url: string) => openBrowserPage(browser, url, { width: 1400, height: 900 });

/** A route's answer, asked from the page with the launch token (what the UI itself reads). */
async function invoke<T>(page: Page, url: string, route: string, input: unknown): Promise<T> {
  const envelope = await page.evaluate(
    async ({ route, input, token }) => {
      const response = await fetch(`/api/invoke/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input),
      });
      return (await response.json()) as { ok: boolean; data?: unknown };
    },
    { route, input, token: /token=([A-Za-z0-9_-]+)/.exec(url)?.[1] ?? '' },
  );
  if (!envelope.ok) throw new Error(`${route} failed: ${JSON.stringify(envelope)}`);
  return envelope.data as T;
}

const fixed = (value: number | null, digits = 3): string => (value === null ? '—' : value.toFixed(digits));
const ci = (interval: ConfidenceInterval): string =>
  interval.estimate === null
    ? '—'
    : interval.lower === null || interval.upper === null
      ? fixed(interval.estimate)
      : `${fixed(interval.estimate)} [${fixed(interval.lower, 2)}, ${fixed(interval.upper, 2)}]`;
/** What the radar's aria-label says of one evaluation. */
const radarText = (row: EvaluationRow): string =>
  `#${row.id} ${row.model.kind === 'base' ? 'base' : `${row.model.kind} ${row.model.label}`} (${row.task}, ${row.split}): ` +
  `AUROC ${fixed(row.headline.auroc.estimate)}, F1 ${fixed(row.headline.f1.estimate)}, ` +
  `Precision ${fixed(row.headline.precision.estimate)}, Recall (sensitivity) ${fixed(row.headline.recall.estimate)}, ` +
  `Accuracy ${fixed(row.headline.accuracy.estimate)}, R@1 ${fixed(row.headline.recallAt1.estimate)}`;

/** The error banners' and failed plots' text, to say what broke when an assertion fails. */
const banners = (page: Page): Promise<string> => errorBanners(page, '.error-banner, .plot [role="alert"]');

describe('evaluation in the browser', () => {
  it(
    'evaluates the base model from the UI and shows metrics, ROC, embeddings and similarities',
    { timeout: 300_000 },
    async () => {
      const dataDir = tempDir('ctvlm-e2e-eval-');
      const source = tempDir('ctvlm-e2e-eval-source-');
      const { manifest } = writePhantomDataset(source, { count: STUDIES, seed: 11, heldOutLesions: true });
      const project = await ctvlmJson<{ id: string }>(dataDir, ['project', 'create', 'Liver eval']);
      const imported = await ctvlmJson<{ imported: number }>(dataDir, ['import', project.id, '--manifest', manifest]);
      expect(imported.imported).toBe(STUDIES);
      await setLesionBaseModel(dataDir, project.id);
      await ctvlmJson(dataDir, ['project', 'create', 'No model']);

      const url = await startServer(dataDir);
      const { page, problems } = await openPage(url);
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

      // The ECharts dashboards: per-class AUROC bars with their CI, and the radar of the headline
      // metrics, each labelled with the numbers the API returns and drawn as SVG.
      const evaluationId = Number(await row.getAttribute('data-evaluation-id'));
      const document = await invoke<MetricsDocument>(page, url, 'evaluations.get', {
        projectId: project.id,
        evaluationId,
      });
      const aurocChart = panel.getByTestId('class-auroc-chart');
      await aurocChart.waitFor();
      expect(await aurocChart.getAttribute('aria-label')).toBe(
        `Per-class AUROC with 95% CI: ${document.classification.perClass.map((item) => `${item.name} ${ci(item.auroc)}`).join('; ')}`,
      );
      expect(document.classification.perClass[0]?.auroc.lower).not.toBeNull(); // an error bar to draw
      await expect.poll(() => aurocChart.locator('svg path').count()).toBeGreaterThan(0);
      const radar = panel.getByTestId('metrics-radar-chart');
      const listed = async (): Promise<EvaluationRow[]> =>
        (
          await invoke<{ evaluations: EvaluationRow[] }>(page, url, 'evaluations.list', {
            projectId: project.id,
            task: null,
          })
        ).evaluations;
      const [first] = await listed();
      if (!first) throw new Error('evaluations.list is empty');
      expect(await radar.getAttribute('aria-label')).toBe(`Headline metrics: ${radarText(first)}`);
      await expect.poll(() => radar.locator('svg path').count()).toBeGreaterThan(0);
      await panel.getByTestId('evaluation-charts').screenshot({ path: path.join(ARTIFACTS, 'evaluation-charts.png') });

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

      // A second evaluation (every split), ticked to overlay on the radar with the selected one.
      await page.getByTestId('evaluation-split').selectOption('all');
      await page.getByTestId('evaluation-start').click();
      await expect.poll(() => page.getByTestId('evaluation-row').count(), { timeout: 90_000 }).toBe(2);
      const [one, two] = await listed();
      if (!one || !two) throw new Error('expected two evaluations');
      expect(two.split).toBe('all');
      const secondRow = page.locator(`[data-testid="evaluation-row"][data-evaluation-id="${two.id}"]`);
      await secondRow.getByTestId('evaluation-compare').check();
      // Ticking does not select the row: the detail still shows the first evaluation.
      expect(
        await page.locator('[data-testid="evaluation-row"][aria-current="true"]').getAttribute('data-evaluation-id'),
      ).toBe(String(one.id));
      await expect
        .poll(() => radar.getAttribute('aria-label'))
        .toBe(`Headline metrics: ${radarText(one)}; ${radarText(two)}`);
      const legend = (await radar.locator('svg text').allTextContents()).join('|');
      expect(legend).toContain(`#${two.id} base (phantom-liver-mass, all)`);
      // Ticked evaluations are projected together with the selected one, coloured by evaluation.
      await expect.poll(() => scatter.locator('circle').count()).toBe(2 * STUDIES);
      expect(await scatter.getByTestId('scatter-colour-by').inputValue()).toBe('evaluation');
      expect(await scatter.locator('.legend').textContent()).toContain(`#${two.id} base (all)`);
      await secondRow.getByTestId('evaluation-compare').uncheck();
      await expect.poll(() => radar.getAttribute('aria-label')).toBe(`Headline metrics: ${radarText(one)}`);
      await expect.poll(() => scatter.locator('circle').count()).toBe(STUDIES);

      // A point opens its study in the viewer (points can overlap, so by keyboard: each is a link).
      const point = scatter.locator('[data-testid="scatter-point"][data-modality="image"]').first();
      const studyId = await point.getAttribute('data-study-id');
      await point.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.url()).toContain(`#/projects/${project.id}/studies/${studyId}`);

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
    },
  );
});
