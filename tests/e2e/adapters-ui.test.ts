/**
 * End to end: the "Adapters" section of the project page. The API client sets up a project (12 phantom
 * CTs, a tiny CT-VLM as its base model) and a PEFT adapter (LoRA on the text attention) imported as
 * "evaluated-lora" and evaluated zero-shot; then, in Debian's Chromium against the real server
 * (`ctvlm serve`), that row shows its latest AUROC and F1 with CIs, the same adapter folder is
 * imported again from the form (as "liver-lora"), its row shows its
 * trainable parameters, size and size against the base checkpoint; it is exported in PEFT format (a
 * second export into the now non-empty folder is refused with the server's message), merged into a
 * standalone checkpoint, activated (the badge moves between rows; the evaluation form defaults to the
 * active adapter) and deleted after a confirmation (a first Cancel keeps it; the active mark goes with it).
 * The screenshot is kept in test-results/adapters-panel.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { saveAdapter } from '../../src/main/engine/io/adapter-files';
import { loadCheckpoint } from '../../src/main/engine/io/model-checkpoint';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../src/main/engine/io/peft-adapter';
import { applyLora } from '../../src/main/engine/lora/apply-lora';
import { tf } from '../../src/main/engine/tf';
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
import { randomizeLora, TEXT_TARGETS } from '../main/engine/io/ct-vlm-fixtures';
import { DEMO_TOKENIZER, writeTinyBaseModel } from '../main/training/tiny-base-model';

let browser: Browser;

beforeAll(async () => {
  await tf.setBackend('cpu');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(stopWebServers);

/** A PEFT adapter folder on the tiny base model: LoRA (rank 8) on the text encoder's attention. */
async function writeAdapter(
  checkpoint: string,
  folder: string,
): Promise<{ trainableParams: number; baseSizeBytes: number }> {
  const { model, modelId, sha256 } = await loadCheckpoint(checkpoint);
  try {
    applyLora(model, { targets: TEXT_TARGETS, kind: 'lora', rank: 8, alpha: 16, dropout: 0 });
    randomizeLora(model, 11);
    const saved = saveAdapter(model, folder, { baseModelId: modelId, baseSha256: sha256, name: 'liver-lora' });
    return {
      trainableParams: saved.trainableParams,
      baseSizeBytes: fs.statSync(path.join(checkpoint, 'model.safetensors')).size,
    };
  } finally {
    model.dispose();
  }
}

describe('adapters in the browser', () => {
  it('imports an adapter, shows its sizes, exports it, merges it and deletes it after a confirmation', async () => {
    const dataDir = tempDir('ctvlm-e2e-adapters-');
    const source = tempDir('ctvlm-e2e-adapters-source-');
    const out = tempDir('ctvlm-e2e-adapters-out-');
    const { checkpoint, preset } = writeTinyBaseModel(path.join(source, 'base'));
    const adapterFolder = path.join(source, 'liver-lora');
    const { trainableParams, baseSizeBytes } = await writeAdapter(checkpoint, adapterFolder);
    const adapterBytes = fs.statSync(path.join(adapterFolder, ADAPTER_WEIGHTS_FILE)).size;
    const { manifest } = writePhantomDataset(path.join(source, 'dataset'), { count: 12, seed: 5, split: 'assign' });
    // The project: phantom studies, the tiny base model, and the adapter under another name, evaluated.
    const { projectId, baseFolder } = await withApiClient(async (api) => {
      const project = await api.invoke('projects.create', { name: 'Liver adapters' });
      const imported = await api.invoke('datasets.import', { projectId: project.id, manifestPath: manifest });
      expect((await waitForJob(api, imported.jobId)).status).toBe('succeeded');
      const base = await api.invoke('models.setBase', {
        projectId: project.id,
        checkpoint,
        tokenizer: DEMO_TOKENIZER,
        preset,
      });
      await api.invoke('adapters.import', { projectId: project.id, folder: adapterFolder, name: 'evaluated-lora' });
      const evaluation = await api.invoke('evaluations.start', {
        projectId: project.id,
        source: { kind: 'adapter', adapter: 'evaluated-lora' },
        task: 'phantom-liver-mass',
        split: 'all',
        resamples: 200,
        projections: false,
      });
      expect((await waitForJob(api, evaluation.jobId)).status).toBe('succeeded');
      return { projectId: project.id, baseFolder: path.join(project.path, base.path) };
    }, dataDir);

    const { url } = await startWebServer(dataDir, ['--no-demo']);
    const { page, problems } = await openBrowserPage(browser, url, { width: 1400, height: 900 });
    await page.getByRole('link', { name: 'Liver adapters' }).click();
    const panel = page.getByTestId('adapters-panel');
    // The evaluated adapter: its latest evaluation's AUROC and F1 with their CIs.
    const evaluatedRow = panel.locator('[data-testid="adapter-row"][data-adapter-name="evaluated-lora"]');
    await evaluatedRow.waitFor();
    expect(await evaluatedRow.getByTestId('adapter-evaluation').textContent()).toMatch(
      /^\s*AUROC (\d\.\d{3}( \[\d\.\d{2}, \d\.\d{2}\])?|—) · F1 (\d\.\d{3}( \[\d\.\d{2}, \d\.\d{2}\])?|—)\s+\(phantom-liver-mass, all\)\s*$/,
    );
    expect(await panel.getByRole('heading', { name: 'Adapters', exact: true }).count()).toBe(1);

    // Import from the form: the row shows what the adapter is and what it weighs.
    const importForm = panel.getByTestId('adapter-import-form');
    await importForm.getByTestId('adapter-import-folder').fill(adapterFolder);
    await importForm.getByRole('button', { name: 'Import adapter' }).click();
    const row = panel.locator('[data-testid="adapter-row"][data-adapter-name="liver-lora"]');
    await row.or(panel.locator('.error-banner')).first().waitFor();
    expect(await row.count(), await errorBanners(page)).toBe(1);
    expect(await panel.getByTestId('adapters-notice').textContent()).toContain('Imported adapter liver-lora');
    expect(await row.getAttribute('data-adapter-id')).toMatch(/^\d+$/);
    expect(await row.getByTestId('adapter-name').textContent()).toMatch(/^\s*liver-lora\s+rank 8, α 16\s*$/);
    expect((await row.getByTestId('adapter-base-model').textContent())?.trim()).toBe('ctvlm-tiny-test');
    expect(trainableParams).toBeGreaterThan(1000);
    expect((await row.getByTestId('adapter-trainable').textContent())?.trim()).toBe(
      trainableParams.toLocaleString('en-US'),
    );
    expect((await row.getByTestId('adapter-size').textContent())?.trim()).toBe(
      `${(adapterBytes / 1024).toFixed(1)} KiB`,
    );
    const percent = (100 * adapterBytes) / baseSizeBytes;
    expect(percent).toBeLessThan(10);
    expect((await row.getByTestId('adapter-size-ratio').textContent())?.trim()).toBe(
      `${percent.toPrecision(2)}% of the base checkpoint`,
    );
    expect((await row.getByTestId('adapter-evaluation').textContent())?.trim()).toBe('not evaluated');

    // Export in PEFT format to a new folder: the same files as the imported ones.
    const exported = path.join(out, 'exported');
    await row.getByRole('button', { name: 'Export', exact: true }).click();
    const exportForm = panel.getByTestId('adapter-export-form');
    await exportForm.getByTestId('adapter-export-folder').fill(exported);
    await exportForm.getByRole('button', { name: 'Export', exact: true }).click();
    const exportResult = exportForm.getByTestId('adapter-export-result');
    await exportResult.or(exportForm.locator('.error-banner')).first().waitFor();
    expect(await exportResult.textContent(), await errorBanners(page)).toContain(exported);
    for (const file of [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]) {
      expect(
        fs.readFileSync(path.join(exported, file)).equals(fs.readFileSync(path.join(adapterFolder, file))),
        file,
      ).toBe(true);
    }
    // Again into the same folder, now not empty: refused with the server's message, nothing overwritten.
    await exportForm.getByRole('button', { name: 'Export', exact: true }).click();
    const exportError = exportForm.locator('.error-banner');
    await exportError.waitFor();
    expect(await exportError.textContent()).toMatch(/is not empty/);
    expect(await exportResult.count()).toBe(0);
    expect(problems).toEqual([expect.stringMatching(/status of 400/)]);
    problems.splice(0);

    // Merge for export: the base checkpoint field starts with the project's base model.
    await row.getByRole('button', { name: 'Merge for export' }).click();
    expect(await exportForm.count()).toBe(0);
    const mergeForm = panel.getByTestId('adapter-merge-form');
    const baseField = mergeForm.getByTestId('adapter-merge-base');
    expect(await baseField.inputValue()).toBe(baseFolder);
    const merged = path.join(out, 'merged');
    await mergeForm.getByTestId('adapter-merge-output').fill(merged);
    await mergeForm.getByRole('button', { name: 'Merge', exact: true }).click();
    const mergeResult = mergeForm.getByTestId('adapter-merge-result');
    await mergeResult.or(mergeForm.locator('.error-banner')).first().waitFor({ timeout: 30_000 });
    expect(await mergeResult.textContent(), await errorBanners(page)).toContain('ctvlm-tiny-test+liver-lora');
    expect(await mergeResult.textContent()).toContain(merged);
    for (const file of ['config.json', 'model.safetensors'])
      expect(fs.existsSync(path.join(merged, file)), file).toBe(true);
    await panel.screenshot({ path: path.join(ARTIFACTS, 'adapters-panel.png') });

    // Activate: the row gets the "active" badge, the evaluation form defaults to it, and only one
    // adapter is active at a time.
    const evaluatedActivate = evaluatedRow.getByTestId('adapter-activate');
    const modelChoice = page.getByTestId('evaluation-form').getByTestId('evaluation-model');
    await modelChoice.waitFor();
    await expect.poll(() => modelChoice.locator('option').count()).toBe(3); // base and both adapters
    expect(await modelChoice.inputValue()).toBe('base');
    expect(await row.getByTestId('adapter-active-badge').count()).toBe(0);
    await evaluatedActivate.click();
    await evaluatedRow
      .locator('[data-testid="adapter-active-badge"]')
      .or(panel.locator('.error-banner'))
      .first()
      .waitFor();
    expect(await evaluatedRow.getAttribute('data-active'), await errorBanners(page)).toBe('true');
    expect(await evaluatedActivate.textContent()).toContain('Deactivate');
    await expect.poll(() => modelChoice.inputValue()).toBe('evaluated-lora');
    await row.getByTestId('adapter-activate').click();
    await row.locator('[data-testid="adapter-active-badge"]').waitFor();
    expect(await row.getByTestId('adapter-active-badge').textContent()).toBe('active');
    expect(await row.getAttribute('data-active')).toBe('true');
    expect(await evaluatedRow.getAttribute('data-active')).toBe('false');
    expect(await evaluatedRow.getByTestId('adapter-active-badge').count()).toBe(0);
    expect(await panel.getByTestId('adapters-notice').textContent()).toContain('liver-lora is now the active adapter');
    await expect.poll(() => modelChoice.inputValue()).toBe('liver-lora');
    await panel.getByTestId('adapters-table').screenshot({ path: path.join(ARTIFACTS, 'adapters-active.png') });

    // Delete: the first click asks; Cancel keeps the adapter, Confirm removes it (and with it the
    // active mark: the form goes back to the base model).
    await row.getByTestId('adapter-delete').click();
    const confirm = row.getByTestId('adapter-delete-confirm');
    expect(await confirm.textContent()).toContain('Delete liver-lora?');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.count()).toBe(0);
    expect(await row.count()).toBe(1);
    await row.getByTestId('adapter-delete').click();
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await panel
      .getByTestId('adapters-notice')
      .getByText('Deleted')
      .or(panel.locator('.error-banner'))
      .first()
      .waitFor();
    expect(await row.count(), await errorBanners(page)).toBe(0);
    expect(await panel.getByTestId('adapter-row').count()).toBe(1);
    expect(await panel.getByTestId('adapters-notice').textContent()).toContain('Deleted adapter liver-lora');
    await expect.poll(() => modelChoice.inputValue()).toBe('base');
    expect(await panel.getByTestId('adapter-active-badge').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'adapters-page.png'), fullPage: true });
    await page.close();
    await stopWebServers();

    await withApiClient(async (api) => {
      const left = (await api.invoke('adapters.list', { projectId })).adapters;
      expect(left.map((adapter) => [adapter.name, adapter.active])).toEqual([['evaluated-lora', false]]);
    }, dataDir);
  });
});
