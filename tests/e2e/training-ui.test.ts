/**
 * End to end: the "Training runs" section of the project page. The API client of a real workbench
 * sets up a project (20 phantom CTs with their reports, split 60/20/20 by the import) and a tiny
 * CT-VLM as its base model; then, in Debian's Chromium against the real server (`ctvlm serve`),
 * a bad config is refused with the server's message, and a 2-epoch PEFT run is started from the
 * form, followed to the end, and its runs-table row, epochs table and loss chart are checked; a
 * second run is cancelled after its first epoch and resumed from its row to the end.
 * Screenshots are kept in test-results/training-*.png.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunDetail } from '../../src/shared/api/run-schemas';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForJob } from '../helpers/jobs';
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
import { withApiClient } from '../helpers/workbench';
import { DEMO_TOKENIZER, writeTinyBaseModel } from '../main/training/tiny-base-model';

const EPOCHS = 2;
/** The run that is cancelled and resumed: long enough to cancel after an epoch with epochs to spare. */
const LONG_EPOCHS = 6;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(stopWebServers);

describe('training in the browser', () => {
  it('starts a PEFT run from the form, follows it to the end and shows its epochs and loss chart', async () => {
    const dataDir = tempDir('ctvlm-e2e-train-');
    const source = tempDir('ctvlm-e2e-train-source-');
    const { manifest } = writePhantomDataset(path.join(source, 'dataset'), { count: 20, seed: 5, split: 'assign' });
    const { checkpoint, preset } = writeTinyBaseModel(path.join(source, 'base'));
    await withApiClient(async (api) => {
      const project = await api.invoke('projects.create', { name: 'Liver training' });
      const { jobId } = await api.invoke('datasets.import', { projectId: project.id, manifestPath: manifest });
      expect((await waitForJob(api, jobId)).status).toBe('succeeded');
      await api.invoke('models.setBase', { projectId: project.id, checkpoint, tokenizer: DEMO_TOKENIZER, preset });
    }, dataDir);

    const { url } = await startWebServer(dataDir, ['--no-demo']);
    const { page, problems } = await openBrowserPage(browser, url, { width: 1400, height: 900 });
    await page.getByRole('link', { name: 'Liver training' }).click();
    const panel = page.getByTestId('training-panel');
    const form = panel.getByTestId('training-form');
    await form.waitFor();
    expect(await panel.getByRole('heading', { name: 'Training runs' }).count()).toBe(1);
    expect(await form.getByTestId('training-no-labels').textContent()).toContain('labels are never used to train');
    expect(await form.getByTestId('training-method').inputValue()).toBe('peft');
    expect(await form.getByTestId('training-method-description').textContent()).toMatch(/ConvLoRA/);
    expect(await panel.getByTestId('no-runs').count()).toBe(1);
    // The validation task offers the built-in zero-shot tasks.
    await expect
      .poll(() => form.getByTestId('training-validation-task').locator('option').allTextContents())
      .toContain('phantom-liver-mass');

    // A config the server refuses: its message is shown, and no run is recorded.
    await form.getByLabel('Epochs', { exact: true }).fill(String(EPOCHS));
    await form.getByLabel('Batch size').fill('500');
    await form.getByRole('button', { name: 'Start training' }).click();
    const formError = form.locator('.error-banner');
    await formError.waitFor();
    expect(await formError.textContent()).toMatch(/The run config is invalid: batchSize: .*256/);
    expect(await panel.getByTestId('run-row').count()).toBe(0);
    // The browser logs the refused request itself; that one is expected.
    expect(problems).toEqual([expect.stringMatching(/status of 400/)]);
    problems.splice(0);
    await form.screenshot({ path: path.join(ARTIFACTS, 'training-form-error.png') });
    await formError.getByRole('button', { name: 'Dismiss' }).click();

    // A quick PEFT run: batch size 4, validated on phantom-liver-mass.
    await form.getByLabel('Name (optional)').fill('peft-ui');
    await form.getByLabel('Batch size').fill('4');
    await form.getByLabel('Learning rate').fill('0.001');
    await form.getByRole('button', { name: '0.5', exact: true }).click();
    expect(await form.getByTestId('training-temperature').inputValue()).toBe('0.5');
    await form.getByRole('button', { name: '1', exact: true }).click();
    expect(await form.getByTestId('training-temperature').inputValue()).toBe('1');
    await form.getByLabel('Validation task (optional)').selectOption('phantom-liver-mass');
    await form.getByTestId('training-gradient-checkpointing').check();
    await form.getByTestId('training-mixed-precision').check();
    await form.getByRole('button', { name: 'Start training' }).click();

    // Its progress: a bar with the epoch, step and loss, and a Cancel button.
    const job = panel.getByTestId('training-job');
    await job.or(form.locator('.error-banner')).first().waitFor({ timeout: 30_000 });
    expect(await job.count(), await errorBanners(page)).toBe(1);
    expect(await job.getByRole('progressbar').count()).toBe(1);
    expect(await job.getByRole('button', { name: 'Cancel' }).count()).toBe(1);
    const message = job.getByTestId('training-job-message');
    await expect
      .poll(async () => ((await job.count()) ? await message.textContent() : 'finished'), { timeout: 60_000 })
      .toMatch(/Epoch \d\/2 · step \d+\/\d+ · loss \d+\.\d{4}|finished/);
    if (await job.count()) await job.screenshot({ path: path.join(ARTIFACTS, 'training-progress.png') });

    // The runs table: the row reaches "succeeded" with both epochs, a best epoch and its size.
    const row = panel.getByTestId('run-row');
    await panel
      .locator('[data-testid="run-row"][data-status="succeeded"]')
      .or(panel.locator('.error-banner'))
      .first()
      .waitFor({ timeout: 90_000 });
    expect(await row.getAttribute('data-status'), await errorBanners(page)).toBe('succeeded');
    expect(await row.getByTestId('run-name').textContent()).toBe('peft-ui');
    expect(await row.getByTestId('run-status').textContent()).toBe('succeeded');
    expect(await row.getByTestId('run-epochs').textContent()).toBe(`${EPOCHS} / ${EPOCHS}`);
    expect(await row.getByTestId('run-best-epoch').textContent()).toMatch(/^[12]$/);
    expect(await row.getByTestId('run-best-f1').textContent()).toMatch(/^(\d\.\d{3}|—)$/);
    expect(await row.getByTestId('run-trainable').textContent()).toMatch(/^\s*[\d.]+( [kMB])? \([\d.]+%\)\s*$/);
    expect(await row.getByTestId('run-resume').count()).toBe(0);
    expect(await job.count()).toBe(0);

    // The run was selected when it appeared: its epochs and the loss chart.
    await row.click();
    const detail = panel.getByTestId('run-detail');
    const epochRows = detail.getByTestId('epoch-row');
    await expect.poll(() => epochRows.count()).toBe(EPOCHS);
    for (let i = 0; i < EPOCHS; i += 1) {
      const epochRow = epochRows.nth(i);
      expect(await epochRow.getAttribute('data-epoch')).toBe(String(i + 1));
      expect(await epochRow.getByTestId('epoch-train-loss').textContent()).toMatch(/^\d+\.\d{4}$/);
      expect(await epochRow.getByTestId('epoch-val-loss').textContent()).toMatch(/^\d+\.\d{4}$/);
      expect(await epochRow.getByTestId('epoch-val-auroc').textContent()).toMatch(/^\d\.\d{3}$/);
    }
    expect(await detail.getByTestId('best-epoch').count()).toBe(1);
    const bestEpoch = (await row.getByTestId('run-best-epoch').textContent()) ?? '';
    expect(await detail.locator('[data-testid="epoch-row"][data-best="true"]').getAttribute('data-epoch')).toBe(
      bestEpoch,
    );
    const chart = detail.getByTestId('loss-chart-svg');
    for (const line of ['loss-chart-train', 'loss-chart-val']) {
      const points = (await chart.getByTestId(line).getAttribute('points')) ?? '';
      expect(points.split(' ').length, line).toBe(EPOCHS);
      for (const point of points.split(' ')) expect(point).toMatch(/^\d+(\.\d)?,\d+(\.\d)?$/);
    }
    expect(await chart.getAttribute('aria-label')).toMatch(/Train loss \d+\.\d{3} at epoch 2/);

    // The ECharts small multiples under the loss chart: each drawn as SVG, each labelled with the
    // last epoch's values as the API records them.
    const projectId = decodeURIComponent(/#\/projects\/([^/?]+)/.exec(page.url())?.[1] ?? '');
    const runId = (await row.getAttribute('data-run-id')) ?? '';
    const envelope = await page.evaluate(
      async ({ projectId, runId, token }) => {
        const response = await fetch('/api/invoke/runs.get', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify({ projectId, run: runId }),
        });
        return (await response.json()) as { ok: boolean; data?: RunDetail };
      },
      { projectId, runId, token: /token=([A-Za-z0-9_-]+)/.exec(url)?.[1] ?? '' },
    );
    expect(envelope.ok).toBe(true);
    expect(envelope.data?.config.gradientCheckpointing).toBe(true); // the form's checkboxes reached the run
    expect(envelope.data?.config.mixedPrecision).toBe(true);
    const lastEpoch = envelope.data?.epochs.at(-1);
    expect(lastEpoch?.epoch).toBe(EPOCHS);
    if (!lastEpoch) throw new Error('runs.get returned no epochs');
    const fixed = (value: number | null, digits = 3): string => (value === null ? '—' : value.toFixed(digits));
    const small = (value: number): string =>
      value === 0
        ? '0'
        : Math.abs(value) >= 0.01 && Math.abs(value) < 1000
          ? value.toPrecision(3)
          : value.toExponential(1);
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    const expectedLabels: Record<string, string> = {
      'run-chart-validation': `Validation F1 ${fixed(lastEpoch.valF1)}, AUROC ${fixed(lastEpoch.valAuroc)} at epoch ${EPOCHS}; best epoch ${bestEpoch}`,
      'run-chart-temperature': `Temperature τ ${small(lastEpoch.temperature)} at epoch ${EPOCHS}`,
      'run-chart-learning-rate': `Learning rate ${small(lastEpoch.learningRate)} at epoch ${EPOCHS}`,
      'run-chart-throughput': `Throughput ${fixed(lastEpoch.volumesPerSecond, 2)} volumes/s at epoch ${EPOCHS}`,
      'run-chart-memory':
        `Peak tensor memory ${mib(lastEpoch.peakTensorBytes)} MiB, peak RSS ${mib(lastEpoch.peakRssBytes)} MiB` +
        (lastEpoch.peakGpuBytes === null
          ? ''
          : `, peak GPU memory (${lastEpoch.backend}) ${mib(lastEpoch.peakGpuBytes)} MiB`) +
        ` at epoch ${EPOCHS}`,
    };
    for (const [testId, label] of Object.entries(expectedLabels)) {
      const runChart = detail.getByTestId(testId);
      await runChart.waitFor();
      expect(await runChart.getAttribute('aria-label'), testId).toBe(label);
      await expect.poll(() => runChart.locator('svg path').count(), { message: testId }).toBeGreaterThan(0);
    }
    // GPU memory: recorded on a GPU backend (webgpu), with the backend in the legend; — and no GPU
    // series on cpu or wasm.
    expect(lastEpoch.backend).toMatch(/^(tensorflow|webgpu|wasm|cpu)$/);
    const memoryTexts = (await detail.getByTestId('run-chart-memory').locator('svg text').allTextContents()).join('|');
    // Mixed precision on the test's backend (no f16 kernels): float32 arithmetic with the loss scale.
    expect(
      await epochRows
        .nth(EPOCHS - 1)
        .getByTestId('epoch-precision')
        .textContent(),
    ).toMatch(/^fp32 ×\d+/);
    const gpuCell = epochRows.nth(EPOCHS - 1).getByTestId('epoch-gpu');
    if (lastEpoch.peakGpuBytes === null) {
      expect(lastEpoch.backend).not.toBe('webgpu');
      expect(memoryTexts).not.toContain('GPU');
      expect(await gpuCell.textContent()).toBe('—');
    } else {
      expect(lastEpoch.backend).toBe('webgpu');
      expect(lastEpoch.peakGpuBytes).toBeGreaterThan(0);
      expect(memoryTexts).toContain(`GPU (${lastEpoch.backend})`);
      expect(await gpuCell.textContent()).toBe(mib(lastEpoch.peakGpuBytes));
    }
    // Not running: no time left shown.
    expect(await detail.getByTestId('run-eta').count()).toBe(0);
    await panel.screenshot({ path: path.join(ARTIFACTS, 'training-panel.png') });

    // A longer run: followed live, cancelled after its first epoch, resumed from its row.
    await form.getByLabel('Name (optional)').fill('peft-resume');
    await form.getByLabel('Epochs', { exact: true }).fill(String(LONG_EPOCHS));
    await form.getByRole('button', { name: 'Start training' }).click();
    const second = panel.locator('[data-testid="run-row"][data-run-id="2"]');
    await expect
      .poll(async () => ((await second.count()) ? await second.getByTestId('run-epochs').textContent() : ''), {
        timeout: 60_000,
      })
      .toMatch(new RegExp(`^[1-${LONG_EPOCHS - 2}] / ${LONG_EPOCHS}$`));
    expect(await second.getAttribute('data-status')).toBe('running');
    // The new run was selected when it appeared, and its epochs show while it trains.
    // (The detail is fetched after the row appears: poll rather than read once.)
    await panel.locator('[data-testid="run-detail"][data-run-id="2"]').waitFor();
    await expect.poll(() => detail.getByTestId('epoch-row').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    // While it trains: the time left, from the epochs done and the job's progress.
    await expect
      .poll(async () =>
        (await detail.getByTestId('run-eta').count()) ? await detail.getByTestId('run-eta').textContent() : '',
      )
      .toMatch(
        new RegExp(`^\\s*about \\d+(s| min) left \\([1-${LONG_EPOCHS - 1}] of ${LONG_EPOCHS} epochs done\\)\\s*$`),
      );
    await job.getByRole('button', { name: 'Cancel' }).click();
    await panel
      .locator('[data-testid="run-row"][data-run-id="2"][data-status="cancelled"]')
      .waitFor({ timeout: 30_000 });
    expect(await panel.getByTestId('training-notice').textContent()).toMatch(/cancelled/);
    await expect.poll(() => detail.getByTestId('run-eta').count()).toBe(0);
    const done = Number(((await second.getByTestId('run-epochs').textContent()) ?? '').split(' / ')[0]);
    expect(done).toBeLessThan(LONG_EPOCHS);
    await panel.screenshot({ path: path.join(ARTIFACTS, 'training-cancelled.png') });
    await second.getByRole('button', { name: 'Resume' }).click();
    await panel
      .locator('[data-testid="run-row"][data-run-id="2"][data-status="succeeded"]')
      .or(panel.locator('.error-banner'))
      .first()
      .waitFor({ timeout: 90_000 });
    expect(await second.getAttribute('data-status'), await errorBanners(page)).toBe('succeeded');
    expect(await second.getByTestId('run-epochs').textContent()).toBe(`${LONG_EPOCHS} / ${LONG_EPOCHS}`);
    await expect.poll(() => detail.getByTestId('epoch-row').count()).toBe(LONG_EPOCHS);
    const resumedPoints = (await detail.getByTestId('loss-chart-train').getAttribute('points')) ?? '';
    expect(resumedPoints.split(' ').length).toBe(LONG_EPOCHS);
    // A finished PEFT run's best checkpoint saved as an adapter from the Adapters panel.
    const adapters = page.getByTestId('adapters-panel');
    const fromRun = adapters.getByTestId('adapter-from-run-form');
    await fromRun.getByTestId('adapter-from-run-run').selectOption('1'); // run 1 is peft-ui
    await fromRun.getByRole('button', { name: 'Save as adapter' }).click();
    const savedRow = adapters.locator('[data-testid="adapter-row"][data-adapter-name="peft-ui-best"]');
    await savedRow.waitFor();
    expect(await adapters.getByTestId('adapters-notice').textContent()).toBe('Saved adapter peft-ui-best.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'training-page.png'), fullPage: true });

    expect(problems).toEqual([]);
    await page.close();
  });
});
