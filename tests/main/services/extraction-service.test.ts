/**
 * Report extraction as the API runs it: a real workbench (worker processes, SQLite project),
 * phantom CT reports, and a loopback server speaking Ollama's API in place of Ollama. Covers the
 * rule-based engine, the LLM engine with an invented sentence, the cache and resume after a
 * cancel, per-report failures, errors before any work, review and edits, and what training reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../src/shared/api/client';
import { ExtractionJobResultSchema, ExtractionJsonlRecordSchema } from '../../../src/shared/api/extraction-schemas';
import { openProject } from '../../../src/main/store/project-store';
import { studyTexts } from '../../../src/main/training/run-texts';
import {
  askedText,
  faithfulAnswer,
  promptKind,
  startFakeOllama,
  type ChatCall,
  type FakeOllama,
  type FakeOllamaOptions,
} from '../../helpers/fake-ollama-server';
import { jobResult, waitForJob } from '../../helpers/jobs';
import { writePhantomDataset } from '../../helpers/phantom-dataset';
import { tempDir } from '../../helpers/temp-dir';
import { withApiClient } from '../../helpers/workbench';

const INVENTED = 'Incidental 9 mm renal calculus.';
const COUNT = 6;
let reports: string[] = [];

let servers: FakeOllama[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function fake(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const server = await startFakeOllama(options);
  servers.push(server);
  return server;
}

async function withProject<T>(use: (api: ApiClient, projectId: string, dir: string) => Promise<T>): Promise<T> {
  // Temporary folders are removed after each test, so each test writes its own phantom dataset.
  const dataset = writePhantomDataset(path.join(tempDir('ctvlm-extract-source-'), 'dataset'), {
    count: COUNT,
    seed: 21,
  });
  const manifest = dataset.manifest;
  reports = dataset.plans.map((plan) => plan.studyUid);
  return withApiClient(async (api) => {
    const project = await api.invoke('projects.create', { name: 'Extraction', directory: tempDir('ctvlm-extract-') });
    const { jobId } = await api.invoke('datasets.import', { projectId: project.id, manifestPath: manifest });
    await jobResult(api, jobId);
    return use(api, project.id, project.path);
  });
}

/** Faithful, except that the first report's findings get a sentence the report does not have. */
function inventing(firstReport: () => string): (call: ChatCall) => string {
  return (call) => {
    if (promptKind(call) !== 'sections' || askedText(call) !== firstReport()) return faithfulAnswer(call);
    const sections = JSON.parse(faithfulAnswer(call)) as Record<string, string>;
    return JSON.stringify({ ...sections, findings: `${sections.findings}\n${INVENTED}` });
  };
}

function firstReportText(dir: string): string {
  const project = openProject(dir, { mode: 'read' });
  try {
    return (project.db.prepare('SELECT text FROM reports ORDER BY study_id LIMIT 1').get() as { text: string }).text;
  } finally {
    project.close();
  }
}

function trainingTexts(dir: string) {
  const project = openProject(dir, { mode: 'read' });
  try {
    const studies = project.db
      .prepare(
        'SELECT s.id, s.study_uid AS studyUid, r.text AS report FROM studies s JOIN reports r ON r.study_id = s.id ORDER BY s.id',
      )
      .all() as Array<{ id: number; studyUid: string; report: string }>;
    return studyTexts(project.db, studies, 'findings-impression');
  } finally {
    project.close();
  }
}

describe('report extraction through the API', () => {
  it(
    'extracts with the rules engine, offline, every sentence grounded, and exports JSON Lines',
    { timeout: 120_000 },
    async () => {
      await withProject(async (api, projectId, dir) => {
        expect(reports).toHaveLength(COUNT);
        const out = path.join(tempDir(), 'sections.jsonl');
        const { jobId } = await api.invoke('extraction.start', { projectId, engine: 'rules', outFile: out });
        const result = ExtractionJobResultSchema.parse(await jobResult(api, jobId));
        expect(result).toMatchObject({
          engine: 'rules',
          model: '',
          promptVersion: 'rules-v1',
          reports: COUNT,
          extracted: COUNT,
          cached: 0,
          failed: 0,
          ungroundedSentences: 0,
          outFile: out,
          agreement: [],
        });

        const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
        expect(lines).toHaveLength(COUNT);
        const records = lines.map((line) => ExtractionJsonlRecordSchema.strict().parse(JSON.parse(line)));
        expect(records.map((record) => record.study_id).sort()).toEqual([...reports].sort());
        for (const record of records) {
          expect(record.sections.findings.length).toBeGreaterThan(0);
          expect(Object.keys(record.anatomy).length).toBeGreaterThan(0);
          expect(record.ungrounded).toEqual([]);
        }
        const listed = await api.invoke('extraction.list', { projectId });
        expect(listed.counts).toEqual({ reports: COUNT, extracted: COUNT, failed: 0, none: 0, needsReview: 0 });
        expect(trainingTexts(dir).every((texts) => texts.findingsImpression && texts.anatomy)).toBe(true);

        // A second run is all cache.
        const again = ExtractionJobResultSchema.parse(
          await jobResult(api, (await api.invoke('extraction.start', { projectId, engine: 'rules' })).jobId),
        );
        expect(again).toMatchObject({ extracted: 0, cached: COUNT });
      });
    },
  );

  it(
    'flags an invented sentence, keeps it out of training until accepted, unloads the model, and reports agreement',
    { timeout: 120_000 },
    async () => {
      await withProject(async (api, projectId, dir) => {
        const server = await fake({ answer: inventing(() => firstReportText(dir)) });
        const { jobId } = await api.invoke('extraction.start', { projectId, host: server.host, model: 'qwen3:8b' });
        const result = ExtractionJobResultSchema.parse(await jobResult(api, jobId));
        expect(result).toMatchObject({
          engine: 'ollama',
          model: 'qwen3:8b',
          promptVersion: 'sections-v1+anatomy-v1',
          extracted: COUNT,
          failed: 0,
        });
        expect(result.ungroundedSentences).toBe(2); // in findings and under the kidneys
        expect(server.unloads()).toEqual(['qwen3:8b']);
        expect(server.chats()).toHaveLength(2 * COUNT);

        // Agreement with the rules: the faithful model agrees except for the one invented sentence.
        expect(result.agreement).toHaveLength(1);
        const [agreement] = result.agreement;
        expect(agreement).toMatchObject({ reports: COUNT, model: 'qwen3:8b' });
        expect(agreement!.sections.findings.presence).toBe(1);
        expect(agreement!.sections.findings.tokenF1).toBeLessThan(1);
        expect(agreement!.sections.findings.tokenF1).toBeGreaterThan(0.95);
        expect(agreement!.sections.impression.tokenF1 ?? 1).toBe(1);
        expect(agreement!.anatomyJaccard).toBeGreaterThan(0.9);
        expect((await api.invoke('extraction.agreement', { projectId })).rows).toEqual(result.agreement);

        const review = await api.invoke('extraction.list', { projectId, filter: 'needs-review' });
        expect(review.total).toBe(1);
        const studyId = review.rows[0]!.studyId;
        const detail = await api.invoke('extraction.get', { projectId, studyId });
        const flagged = detail.sentences.filter((sentence) => !sentence.grounded);
        expect(flagged.map((sentence) => [sentence.section, sentence.text, sentence.start])).toEqual([
          ['findings', INVENTED, null],
          ['anatomy:kidneys', INVENTED, null],
        ]);
        for (const sentence of detail.sentences.filter((s) => s.grounded)) {
          expect(detail.report.slice(sentence.start!, sentence.end!).toLowerCase()).toContain(
            sentence.text
              .split(' ')[1]!
              .toLowerCase()
              .replace(/[.,:;]$/, ''),
          );
        }
        expect(trainingTexts(dir)[0]!.findingsImpression).not.toContain(INVENTED);

        const accepted = await api.invoke('extraction.review', {
          projectId,
          sentenceId: flagged[0]!.id,
          review: 'accepted',
        });
        // The finding and its organ-level copy are reviewed together.
        expect(accepted.sentences.map((s) => [s.section, s.review, s.grounded])).toEqual([
          ['findings', 'accepted', false],
          ['anatomy:kidneys', 'accepted', false],
        ]);
        expect(trainingTexts(dir)[0]!.findingsImpression).toContain(INVENTED);
        expect((await api.invoke('extraction.list', { projectId, filter: 'needs-review' })).total).toBe(0);
        const rejected = await api.invoke('extraction.review', {
          projectId,
          sentenceId: flagged[1]!.id,
          review: 'rejected',
        });
        expect(rejected.sentences.map((s) => s.review)).toEqual(['rejected', 'rejected']);
        expect(trainingTexts(dir)[0]!.findingsImpression).not.toContain(INVENTED);

        // A person rewrites the impression: accepted as written, and what training reads.
        const edited = await api.invoke('extraction.edit', {
          projectId,
          studyId,
          section: 'impression',
          text: 'Renal calculus. Otherwise normal.',
        });
        expect(
          edited.sentences.filter((s) => s.section === 'impression').map((s) => [s.text, s.review, s.edited]),
        ).toEqual([
          ['Renal calculus.', 'accepted', true],
          ['Otherwise normal.', 'accepted', true],
        ]);
        expect(trainingTexts(dir)[0]!.findingsImpression).toMatch(/Renal calculus\. Otherwise normal\.$/);
        await expect(
          api.invoke('extraction.edit', { projectId, studyId, section: 'anatomy:brain', text: 'x' }),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
        await expect(
          api.invoke('extraction.review', { projectId, sentenceId: 999_999, review: 'accepted' }),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT' });

        // The rules engine run afterwards becomes the current extraction; the LLM's stays cached with its reviews.
        await jobResult(api, (await api.invoke('extraction.start', { projectId, engine: 'rules' })).jobId);
        expect(trainingTexts(dir)[0]!.findingsImpression).not.toContain('Renal calculus. Otherwise normal.');
        const back = ExtractionJobResultSchema.parse(
          await jobResult(
            api,
            (await api.invoke('extraction.start', { projectId, host: server.host, model: 'qwen3:8b' })).jobId,
          ),
        );
        expect(back).toMatchObject({ extracted: 0, cached: COUNT });
        expect(trainingTexts(dir)[0]!.findingsImpression).toMatch(/Renal calculus\. Otherwise normal\.$/);
      });
    },
  );

  it(
    'marks a report whose answers stay invalid failed, keeps nothing for it, and retries only it next time',
    { timeout: 120_000 },
    async () => {
      await withProject(async (api, projectId, dir) => {
        let broken = true;
        const first = (): string => firstReportText(dir);
        const server = await fake({
          // Every answer about the first report, re-asks included, is cut off.
          answer: (call) =>
            broken && call.messages.some((message) => message.content === first())
              ? '{"findings": '
              : faithfulAnswer(call),
        });
        const { jobId } = await api.invoke('extraction.start', {
          projectId,
          host: server.host,
          retries: 1,
          concurrency: 3,
        });
        const result = ExtractionJobResultSchema.parse(await jobResult(api, jobId));
        expect(result).toMatchObject({ extracted: COUNT - 1, failed: 1 });
        const failed = await api.invoke('extraction.list', { projectId, filter: 'failed' });
        expect(failed.rows).toHaveLength(1);
        expect(failed.rows[0]).toMatchObject({ status: 'failed', sentences: 0, error: { code: 'EXTRACTION_INVALID' } });
        expect(failed.rows[0]!.error?.message).toContain('still invalid after 2 attempts');
        const detail = await api.invoke('extraction.get', { projectId, studyId: failed.rows[0]!.studyId });
        expect(detail.extraction).toMatchObject({ status: 'failed', attempts: 2 });
        expect(detail.sentences).toEqual([]);

        broken = false;
        const before = server.chats().length;
        const retry = ExtractionJobResultSchema.parse(
          await jobResult(api, (await api.invoke('extraction.start', { projectId, host: server.host })).jobId),
        );
        expect(retry).toMatchObject({ extracted: 1, cached: COUNT - 1, failed: 0 });
        expect(server.chats().length - before).toBe(2);
        expect((await api.invoke('extraction.list', { projectId })).counts).toMatchObject({
          extracted: COUNT,
          failed: 0,
        });
      });
    },
  );

  it('resumes a cancelled run without asking again for what was done', { timeout: 120_000 }, async () => {
    await withProject(async (api, projectId) => {
      const server = await fake({ delayMs: 250 });
      const { jobId } = await api.invoke('extraction.start', { projectId, host: server.host, concurrency: 1 });
      for (;;) {
        const counts = (await api.invoke('extraction.list', { projectId })).counts;
        if (counts.extracted >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await api.invoke('jobs.cancel', { jobId });
      const cancelled = await waitForJob(api, jobId);
      expect(cancelled.status).toBe('cancelled');
      const done = (await api.invoke('extraction.list', { projectId })).counts.extracted;
      expect(done).toBeGreaterThanOrEqual(2);
      expect(done).toBeLessThan(COUNT);
      expect(server.unloads()).toEqual(['qwen3:8b']);

      const resumed = ExtractionJobResultSchema.parse(
        await jobResult(api, (await api.invoke('extraction.start', { projectId, host: server.host })).jobId),
      );
      expect(resumed).toMatchObject({ cached: done, extracted: COUNT - done, failed: 0 });
    });
  });

  it(
    'refuses at once, naming the host or the model, when Ollama is down or the model missing; nothing is recorded',
    { timeout: 120_000 },
    async () => {
      await withProject(async (api, projectId) => {
        const server = await fake({ models: ['llama3.2:3b'] });
        const missing = api.invoke('extraction.start', { projectId, host: server.host });
        await expect(missing).rejects.toMatchObject({ code: 'OLLAMA_MODEL_MISSING' });
        await expect(missing).rejects.toThrow(`The model qwen3:8b is not installed in Ollama at ${server.host}`);
        await server.close();
        const down = api.invoke('extraction.start', { projectId, host: server.host });
        await expect(down).rejects.toMatchObject({ code: 'OLLAMA_UNREACHABLE' });
        await expect(down).rejects.toThrow(new RegExp(`Cannot reach Ollama at ${server.host}.*--engine rules`));
        await expect(api.invoke('extraction.start', { projectId, host: 'localhost:11434' })).rejects.toMatchObject({
          code: 'INVALID_INPUT',
        });
        expect((await api.invoke('jobs.list', {})).jobs.filter((job) => job.kind === 'extraction.run')).toEqual([]);
        expect((await api.invoke('extraction.list', { projectId })).counts).toMatchObject({
          none: COUNT,
          extracted: 0,
          failed: 0,
        });
        expect(await api.invoke('ollama.status', { host: server.host })).toMatchObject({ reachable: false });
      });
    },
  );

  it('keeps the Ollama host and model as settings, and pulls a model with progress', { timeout: 60_000 }, async () => {
    await withApiClient(async (api) => {
      expect(await api.invoke('ollama.settings', {})).toEqual({ host: 'http://127.0.0.1:11434', model: 'qwen3:8b' });
      // Patient reports never leave the machine: a remote host is refused, with the way to tunnel it.
      const remote = api.invoke('ollama.configure', { host: 'http://10.1.2.3:11434' });
      await expect(remote).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(remote).rejects.toThrow(/Reports never leave this machine.*ssh -L 11434/);
      expect((await api.invoke('ollama.settings', {})).host).toBe('http://127.0.0.1:11434');
      const server = await fake({ models: [], pullDelayMs: 20 });
      expect(await api.invoke('ollama.configure', { host: `${server.host}/`, model: 'qwen3:4b' })).toEqual({
        host: server.host,
        model: 'qwen3:4b',
      });
      expect((await api.invoke('ollama.status', { host: null })).host).toBe(server.host);
      const progress: Array<{ done: number; total: number }> = [];
      const off = api.on('job.progress', (event) => {
        if (event.kind === 'ollama.pull') progress.push({ done: event.done, total: event.total });
      });
      const { jobId } = await api.invoke('ollama.pull', { host: null, model: 'qwen3:4b' });
      expect(await jobResult(api, jobId)).toEqual({ model: 'qwen3:4b', host: server.host });
      off();
      // Byte progress over both layers of the model, never going backwards.
      const bytes = progress.filter((p) => p.total > 0);
      expect(bytes.length).toBeGreaterThan(1);
      expect(bytes.at(-1)).toEqual({ done: 4_000_487, total: 4_000_487 });
      for (let i = 1; i < bytes.length; i += 1) expect(bytes[i]!.done).toBeGreaterThanOrEqual(bytes[i - 1]!.done);
      expect((await api.invoke('ollama.status', { host: null })).models.map((model) => model.name)).toEqual([
        'qwen3:4b',
      ]);
    });
  });
});
