/**
 * Job `extraction.run`: every report of a project (or of one dataset) split into sections and
 * organ-level text, by a local LLM through Ollama or by the rule-based extractor. Results are
 * cached by report hash, engine, model and prompt version, so a cancelled or killed run picks
 * up where it stopped and a re-run costs nothing. Reports go to Ollama a few at a time; a
 * report whose answer stays invalid is marked failed and the batch goes on. The model is
 * unloaded at the end (keep_alive 0) so training gets the GPU memory back.
 */
import path from 'node:path';
import {
  StartExtractionInputSchema,
  type ExtractionJobResult,
  type StartExtractionOptions,
} from '../../shared/api/extraction-schemas';
import { BugError, UserError, type ErrorPayload } from '../../shared/errors';
import type { JobContext } from '../jobs/job-context';
import {
  activateExtraction,
  findExtraction,
  latestLlmAnswers,
  reportsToExtract,
  saveExtraction,
  saveFailure,
  type ExtractionKey,
  type ReportToExtract,
} from '../store/repositories/extraction-repository';
import { openProject, type Project } from '../store/project-store';
import { extractionAgreement } from '../text/extraction/extraction-agreement';
import { extractWithRules, RULES_VERSION } from '../text/extraction/rule-extractor';
import { sentenceDrafts } from '../text/extraction/sentence-drafts';
import { extractWithLlm, LLM_PROMPT_VERSION } from '../text/ollama/llm-extractor';
import { OllamaConnection } from '../text/ollama/ollama-connection';
import { writeExtractionJsonl } from './extraction-export';

/** The job's input: the request with host and model already resolved from the settings. */
export interface ExtractionJobInput {
  request: StartExtractionOptions & { host: string; model: string };
}

export async function extractJob(input: unknown, context: JobContext): Promise<ExtractionJobResult> {
  if (!context.projectDir) throw new BugError('extraction.run needs a project folder.');
  const raw = (input as ExtractionJobInput).request;
  const request = { ...StartExtractionInputSchema.parse(raw), host: raw.host, model: raw.model };
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    return await extractProject(project, request, context);
  } finally {
    project.close();
  }
}

async function extractProject(
  project: Project,
  request: ExtractionJobInput['request'],
  context: JobContext,
): Promise<ExtractionJobResult> {
  const llm = request.engine === 'ollama';
  const model = llm ? request.model : '';
  const promptVersion = llm ? LLM_PROMPT_VERSION : RULES_VERSION;
  const reports = reportsToExtract(project.db, request.datasetId);
  if (reports.length === 0) {
    throw new UserError('INVALID_INPUT', 'There are no reports to extract; import studies with their reports first.');
  }
  const keyOf = (report: ReportToExtract): ExtractionKey => ({
    reportId: report.reportId,
    reportSha256: report.sha256,
    engine: request.engine,
    model,
    promptVersion,
  });

  const counts = { extracted: 0, cached: 0, failed: 0, ungrounded: 0 };
  const progress = (): void =>
    context.progress(
      counts.extracted + counts.cached + counts.failed,
      reports.length,
      `${counts.extracted + counts.cached + counts.failed}/${reports.length} reports (${counts.cached} cached, ${counts.failed} failed, ${counts.ungrounded} sentences not found in their report)`,
    );

  const queue: ReportToExtract[] = [];
  for (const report of reports) {
    const cached = request.force ? null : findExtraction(project.db, keyOf(report));
    if (cached?.status === 'succeeded') {
      if (!cached.active) activateExtraction(project.db, report.reportId, cached.id);
      counts.cached += 1;
    } else queue.push(report);
  }
  progress();

  const store = (report: ReportToExtract, structured: Parameters<typeof sentenceDrafts>[1], attempts: number): void => {
    const drafts = sentenceDrafts(report.text, structured);
    saveExtraction(project.db, keyOf(report), structured, attempts, drafts);
    counts.extracted += 1;
    counts.ungrounded += drafts.filter((draft) => !draft.grounded).length;
  };
  const fail = (report: ReportToExtract, error: ErrorPayload, attempts: number): void => {
    saveFailure(project.db, keyOf(report), error, attempts);
    counts.failed += 1;
  };

  if (!llm) {
    for (const report of queue) {
      context.throwIfCancelled();
      store(report, extractWithRules(report.text), 1);
      progress();
    }
  } else if (queue.length > 0) {
    const connection = new OllamaConnection({ host: request.host, signal: context.signal });
    await connection.requireModel(model);
    try {
      await inPool(queue, request.concurrency, async (report) => {
        context.throwIfCancelled();
        try {
          const result = await extractWithLlm(connection, report.text, {
            model,
            retries: request.retries,
            timeoutMs: request.timeoutSeconds * 1000,
          });
          store(report, result.report, result.attempts);
        } catch (error) {
          if (!isReportFailure(error)) throw error;
          fail(report, error.toPayload(), error.code === 'EXTRACTION_INVALID' ? request.retries + 1 : 1);
        }
        progress();
      });
    } finally {
      await connection.unload(model);
    }
  }

  const agreement = llm ? extractionAgreement(latestLlmAnswers(project.db)) : [];
  const outFile = request.outFile === null ? null : path.resolve(request.outFile);
  if (outFile) writeExtractionJsonl(project.db, outFile);
  return {
    engine: request.engine,
    model,
    promptVersion,
    reports: reports.length,
    extracted: counts.extracted,
    cached: counts.cached,
    failed: counts.failed,
    ungroundedSentences: counts.ungrounded,
    outFile,
    agreement,
  };
}

/**
 * A failure that belongs to one report (an answer that stays invalid, a timeout, a server
 * error on that request); the server being down, a missing model or a cancel stop the batch.
 */
function isReportFailure(error: unknown): error is UserError {
  return error instanceof UserError && (error.code === 'EXTRACTION_INVALID' || error.code === 'OLLAMA_FAILED');
}

/** Run `work` over `items`, at most `limit` at a time; the first thrown error stops new work and is rethrown. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const state: { failure: Error | null } = { failure: null };
  const worker = async (): Promise<void> => {
    while (state.failure === null && next < items.length) {
      const item = items[next]!;
      next += 1;
      try {
        await work(item);
      } catch (error) {
        state.failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (state.failure !== null) throw state.failure;
}
