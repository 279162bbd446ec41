/**
 * End to end: the "Report extraction" section of the project page. The API client of a real
 * workbench sets up a project (8 phantom CTs with their reports); a fake Ollama (tests/helpers/
 * fake-ollama-server.ts, Ollama's real HTTP API on 127.0.0.1) answers faithfully except for one
 * report, where it adds a finding the report does not contain. In Debian's Chromium against the
 * real server (`ctvlm serve`): the host is saved and checked, an Ollama extraction runs to the
 * end, the list's counts, agreement table and "needs review" filter are checked, the report with
 * the invented sentence is reviewed (highlights, the sentence flagged, accepted, the impression
 * rewritten, both checked through the API), a missing model is pulled with progress, and with the
 * server gone the start is refused with its message and the rule-based engine runs instead.
 * Screenshots are kept in test-results/extraction-*.png.
 */
import path from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomReport } from '../../src/main/phantoms';
import type { RouteInput, RouteName, RouteOutput } from '../../src/shared/api/routes';
import { routes } from '../../src/shared/api/routes';
import { WEB_API_PREFIX } from '../../src/shared/api/web-protocol';
import { askedText, faithfulAnswer, promptKind, startFakeOllama, type ChatCall } from '../helpers/fake-ollama-server';
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

const STUDIES = 8;
/** The finding the fake model adds to one report's findings; no phantom report has it. */
const INVENTED = 'Incidental 9 mm renal calculus.';
/** Picks the report the fake model embellishes: the only one with this phrase. */
const TARGET_MARKER = 'low-attenuation mass';
const NEW_IMPRESSION = 'Segment V liver mass of 4.7 cm, LI-RADS 5.';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(stopWebServers);

/** A route of the running server, over HTTP with the page's token, as the browser calls it. */
function httpApi(url: string) {
  const { origin, hash } = new URL(url);
  const token = /token=([A-Za-z0-9_-]+)/.exec(hash)?.[1] ?? '';
  return async <R extends RouteName>(route: R, input: RouteInput<R>): Promise<RouteOutput<R>> => {
    const response = await fetch(`${origin}${WEB_API_PREFIX}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    });
    const envelope = (await response.json()) as { ok: boolean; data?: unknown; error?: { message: string } };
    if (!envelope.ok) throw new Error(`${route}: ${envelope.error?.message ?? response.status}`);
    return routes[route].output.parse(envelope.data) as RouteOutput<R>;
  };
}

/** The fake model: faithful, except that the target report's findings gain INVENTED. */
function embellishing(targetReport: string) {
  return (call: ChatCall): string => {
    const faithful = faithfulAnswer(call);
    if (promptKind(call) !== 'sections' || !askedText(call).includes(TARGET_MARKER)) return faithful;
    expect(askedText(call).trim()).toBe(targetReport.trim());
    const sections = JSON.parse(faithful) as { findings: string };
    return JSON.stringify({ ...sections, findings: `${sections.findings} ${INVENTED}`.trim() });
  };
}

async function waitForSummaryOrError(panel: Locator, engine: string): Promise<void> {
  await panel
    .locator(`[data-testid="extraction-summary"][data-engine="${engine}"]`)
    .or(panel.locator('.error-banner'))
    .first()
    .waitFor({ timeout: 60_000 });
}

describe('report extraction in the browser', () => {
  it('extracts with Ollama, reviews an invented sentence, pulls a model and falls back to the rules', async () => {
    const dataDir = tempDir('ctvlm-e2e-extract-');
    const source = tempDir('ctvlm-e2e-extract-source-');
    const { manifest, plans } = writePhantomDataset(path.join(source, 'dataset'), {
      count: STUDIES,
      seed: 5,
      split: 'assign',
    });
    const targets = plans.filter((plan) => writePhantomReport(plan).includes(TARGET_MARKER));
    expect(targets).toHaveLength(1);
    const target = targets[0]!;
    const targetReport = writePhantomReport(target);
    expect(targetReport).toContain('IMPRESSION:');
    expect(plans.some((plan) => writePhantomReport(plan).includes('renal calculus'))).toBe(false);

    await withApiClient(async (api) => {
      const project = await api.invoke('projects.create', { name: 'Liver reports' });
      const { jobId } = await api.invoke('datasets.import', { projectId: project.id, manifestPath: manifest });
      expect((await waitForJob(api, jobId)).status).toBe('succeeded');
    }, dataDir);

    const ollama = await startFakeOllama({ answer: embellishing(targetReport), pullDelayMs: 150 });
    let ollamaOpen = true;
    try {
      const { url } = await startWebServer(dataDir, ['--no-demo']);
      const invoke = httpApi(url);
      const projectId = (await invoke('projects.list', {})).projects[0]?.id ?? '';
      const { page, problems } = await openBrowserPage(browser, url, { width: 1400, height: 1000 });
      await page.getByRole('link', { name: 'Liver reports' }).click();
      const panel = page.getByTestId('extraction-panel');
      await panel.waitFor();
      expect(await panel.getByRole('heading', { name: 'Report extraction' }).count()).toBe(1);

      // The connection: the fake host saved and checked.
      const card = panel.getByTestId('ollama-card');
      await card.getByLabel('Ollama host').fill(ollama.host);
      await card.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => panel.getByTestId('extraction-notice').textContent()).toContain(ollama.host);
      expect((await invoke('ollama.settings', {})).host).toBe(ollama.host);
      await card.getByRole('button', { name: 'Check' }).click();
      const status = card.locator('[data-testid="ollama-status"][data-reachable="true"]');
      await status.waitFor();
      expect(await status.getByTestId('ollama-version').textContent()).toBe('0.12.6');
      expect(await status.getByTestId('ollama-model-row').allTextContents()).toEqual([
        expect.stringMatching(/^\s*qwen3:8b\s*8\.2B\s*4\.9 GiB\s*$/),
      ]);
      expect(await card.getByTestId('ollama-model').inputValue()).toBe('qwen3:8b');
      expect(await card.getByTestId('ollama-pull-start').count()).toBe(0);

      // An Ollama extraction, followed to the end.
      const form = panel.getByTestId('extraction-form');
      expect(await form.getByLabel('Engine').inputValue()).toBe('ollama');
      await form.getByRole('button', { name: 'Start extraction' }).click();
      await waitForSummaryOrError(panel, 'ollama');
      const summary = panel.getByTestId('extraction-summary');
      expect(await summary.count(), await errorBanners(page)).toBe(1);
      expect(await summary.locator('[data-summary="extracted"]').textContent()).toBe(String(STUDIES));
      expect(await summary.locator('[data-summary="failed"]').textContent()).toBe('0');
      expect(Number(await summary.locator('[data-summary="ungrounded"]').textContent())).toBeGreaterThanOrEqual(1);
      expect(ollama.chats().length).toBeGreaterThanOrEqual(STUDIES);

      // The list: counts, the agreement table, and the one report that needs review.
      const list = panel.getByTestId('extraction-list');
      await expect.poll(() => list.locator('[data-extraction-count="extracted"]').textContent()).toBe(String(STUDIES));
      expect(await list.locator('[data-extraction-count="failed"]').textContent()).toBe('0');
      expect(await list.locator('[data-extraction-count="needsReview"]').textContent()).toBe('1');
      expect(await list.getByTestId('extraction-row').count()).toBe(STUDIES);
      const agreement = panel.getByTestId('agreement-row');
      await agreement.first().waitFor();
      expect(await agreement.getByTestId('agreement-reports').textContent()).toBe(String(STUDIES));
      await list.getByRole('tab', { name: /Needs review/ }).click();
      await expect.poll(() => list.getByTestId('extraction-row').count()).toBe(1);
      const row = list.getByTestId('extraction-row');
      expect(await row.getByTestId('extraction-study').textContent()).toBe(target.studyUid);
      await page.screenshot({ path: path.join(ARTIFACTS, 'extraction-list.png'), fullPage: true });

      // The review: highlights in the source, the invented sentence flagged, accepted.
      const studyId = Number(await row.getAttribute('data-study-id'));
      await row.click();
      const review = panel.getByTestId('extraction-review');
      await review.getByTestId('report-text').waitFor();
      expect(await review.getByTestId('report-text').textContent()).toBe(targetReport);
      expect(await review.getByTestId('report-highlight').count()).toBeGreaterThan(0);
      expect(await review.locator('mark[data-section-family="impression"]').count()).toBeGreaterThan(0);
      const invented = review
        .locator('[data-testid="extraction-section"][data-section="findings"]')
        .locator('[data-testid="extracted-sentence"][data-grounded="false"]');
      expect(await invented.count()).toBe(1);
      expect(await invented.locator('.sentence-text').textContent()).toBe(INVENTED);
      expect(await invented.getByTestId('sentence-state').textContent()).toBe('NOT FOUND IN REPORT');
      expect(await invented.getByTestId('sentence-warning').textContent()).toMatch(
        /not found in the report — kept out of training until accepted/i,
      );
      expect(await review.getByTestId('report-text').textContent()).not.toContain('renal calculus');
      const inventedId = Number(await invented.getAttribute('data-sentence-id'));
      await invented.getByRole('button', { name: `Accept: ${INVENTED}` }).click();
      await review.locator(`[data-sentence-id="${inventedId}"][data-review="accepted"]`).waitFor();
      let detail = await invoke('extraction.get', { projectId, studyId });
      expect(detail.sentences.find((sentence) => sentence.id === inventedId)).toMatchObject({
        text: INVENTED,
        grounded: false,
        review: 'accepted',
      });

      // Its organ-level copy was accepted with it: nothing is left to review.
      const copies = review.locator('[data-testid="extracted-sentence"][data-grounded="false"]');
      expect(await copies.count()).toBe(2);
      expect(
        await review
          .locator('[data-testid="extracted-sentence"][data-grounded="false"][data-review="accepted"]')
          .count(),
      ).toBe(2);
      expect(
        detail.sentences.filter((sentence) => sentence.text === INVENTED).map((s) => [s.section, s.review]),
      ).toEqual([
        ['findings', 'accepted'],
        ['anatomy:kidneys', 'accepted'],
      ]);
      await list.getByRole('tab', { name: /^All/ }).click();
      await expect.poll(() => list.locator('[data-extraction-count="needsReview"]').textContent()).toBe('0');

      // The impression rewritten by hand.
      const impression = review.locator('[data-testid="extraction-section"][data-section="impression"]');
      await impression.getByRole('button', { name: 'Edit Impression' }).click();
      await impression.getByLabel('Impression text').fill(NEW_IMPRESSION);
      await impression.getByRole('button', { name: 'Save' }).click();
      await impression.locator('[data-testid="extracted-sentence"][data-edited="true"]').first().waitFor();
      expect(await impression.locator('.sentence-text').allTextContents()).toEqual([NEW_IMPRESSION]);
      detail = await invoke('extraction.get', { projectId, studyId });
      const impressionSentences = detail.sentences.filter((sentence) => sentence.section === 'impression');
      expect(impressionSentences.map((sentence) => sentence.text).join(' ')).toBe(NEW_IMPRESSION);
      for (const sentence of impressionSentences) expect(sentence).toMatchObject({ edited: true, review: 'accepted' });
      await page.screenshot({ path: path.join(ARTIFACTS, 'extraction-review.png'), fullPage: true });
      await review.screenshot({ path: path.join(ARTIFACTS, 'extraction-review-detail.png') });

      // A model that is not installed: pulled with progress, then listed.
      expect(ollama.installed.has('qwen3:4b')).toBe(false);
      await card.getByTestId('ollama-model').selectOption('qwen3:4b');
      expect(await card.getByTestId('ollama-model-missing').textContent()).toContain('qwen3:4b is not installed');
      // Starting with it is refused at once, with a Pull offered.
      await form.getByRole('button', { name: 'Start extraction' }).click();
      const refused = panel.getByTestId('extraction-start-error');
      await refused.waitFor();
      expect(await refused.getAttribute('data-code')).toBe('OLLAMA_MODEL_MISSING');
      expect(await refused.locator('.error-banner').textContent()).toContain('The model qwen3:4b is not installed');
      expect(await refused.getByRole('button', { name: 'Pull qwen3:4b' }).count()).toBe(1);
      await card.getByRole('button', { name: 'Pull qwen3:4b' }).click();
      const pull = card.getByTestId('ollama-pull');
      await pull.waitFor();
      expect(await pull.getByRole('progressbar').count()).toBe(1);
      expect(await pull.getByRole('button', { name: 'Cancel' }).count()).toBe(1);
      await card.locator('[data-testid="ollama-model-row"][data-model="qwen3:4b"]').waitFor({ timeout: 30_000 });
      expect(ollama.installed.has('qwen3:4b'), await errorBanners(page)).toBe(true);
      expect(await pull.count()).toBe(0);
      expect(await refused.count()).toBe(0);
      expect(await card.getByTestId('ollama-model-missing').count()).toBe(0);

      // Ollama gone: the start is refused with the host, and the rule-based engine runs instead.
      await ollama.close();
      ollamaOpen = false;
      await form.getByRole('button', { name: 'Start extraction' }).click();
      await refused.waitFor();
      expect(await refused.getAttribute('data-code')).toBe('OLLAMA_UNREACHABLE');
      expect(await refused.locator('.error-banner').textContent()).toContain(`Cannot reach Ollama at ${ollama.host}`);
      await card.locator('[data-testid="ollama-status"][data-reachable="false"]').waitFor();
      expect(await card.getByTestId('ollama-unreachable').textContent()).toContain(ollama.host);
      expect(await card.getByTestId('ollama-offline-hint').textContent()).toContain('rule-based engine');
      await page.screenshot({ path: path.join(ARTIFACTS, 'extraction-unreachable.png'), fullPage: true });
      await refused.getByRole('button', { name: 'Use the rule-based extractor' }).click();
      await waitForSummaryOrError(panel, 'rules');
      expect(await summary.getAttribute('data-engine'), await errorBanners(page)).toBe('rules');
      expect(await summary.locator('[data-summary="failed"]').textContent()).toBe('0');
      expect(Number(await summary.locator('[data-summary="extracted"]').textContent())).toBe(STUDIES);
      expect(await refused.count()).toBe(0);

      // The two refused starts are the only requests the browser logged as failed.
      expect(problems).toEqual([expect.stringMatching(/status of 4\d\d/), expect.stringMatching(/status of 4\d\d/)]);
      await page.close();
    } finally {
      if (ollamaOpen) await ollama.close();
    }
  });
});
