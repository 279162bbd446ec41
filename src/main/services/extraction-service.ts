/**
 * Use cases of report extraction: the Ollama connection (settings, status, pull), starting an
 * extraction (checked before the job starts: a server that is down or a model that is missing
 * fails at once with what to do), the per-report list, review and edits, agreement, export.
 */
import path from 'node:path';
import {
  DEFAULT_OLLAMA_HOST,
  OllamaHostSchema,
  OllamaModelNameSchema,
  RECOMMENDED_OLLAMA_MODEL,
  REPORT_SECTIONS,
  StartExtractionInputSchema,
  type AgreementRow,
  type ExtractedSentence,
  type ExtractionDetail,
  type OllamaSettings,
  type OllamaStatus,
  type SentenceReview,
  type StartExtractionInput,
} from '../../shared/api/extraction-schemas';
import { UserError } from '../../shared/errors';
import { isOrganSystem } from '../../shared/organ-systems';
import { writeExtractionJsonl } from '../extraction/extraction-export';
import type { ExtractionJobInput } from '../extraction/extract-job';
import type { JobManager } from '../jobs/job-manager';
import type { AppRegistry } from '../store/app-registry';
import {
  extractionDetail,
  latestLlmAnswers,
  listExtractions,
  replaceSection,
  reviewSentence,
} from '../store/repositories/extraction-repository';
import { openProject, type Project } from '../store/project-store';
import { extractionAgreement } from '../text/extraction/extraction-agreement';
import { sentenceDrafts } from '../text/extraction/sentence-drafts';
import { emptySections } from '../text/extraction/structured-report';
import { OllamaConnection } from '../text/ollama/ollama-connection';
import type { ProjectService } from './project-service';

const HOST_KEY = 'ollama.host';
const MODEL_KEY = 'ollama.model';

export class ExtractionService {
  constructor(
    private readonly projects: ProjectService,
    private readonly registry: AppRegistry,
    private readonly jobs: JobManager,
  ) {}

  settings(): OllamaSettings {
    return {
      host: this.registry.getSetting(HOST_KEY) ?? DEFAULT_OLLAMA_HOST,
      model: this.registry.getSetting(MODEL_KEY) ?? RECOMMENDED_OLLAMA_MODEL,
    };
  }

  configure(changes: { host?: string; model?: string }): OllamaSettings {
    if (changes.host !== undefined) this.registry.setSetting(HOST_KEY, OllamaHostSchema.parse(changes.host));
    if (changes.model !== undefined) this.registry.setSetting(MODEL_KEY, OllamaModelNameSchema.parse(changes.model));
    return this.settings();
  }

  status(host: string | null): Promise<OllamaStatus> {
    return new OllamaConnection({ host: host ?? this.settings().host }).status();
  }

  pull(host: string | null, model: string): { jobId: string } {
    const job = this.jobs.start('ollama.pull', { host: host ?? this.settings().host, model }, null);
    return { jobId: job.jobId };
  }

  async start(projectId: string, input: StartExtractionInput): Promise<{ jobId: string }> {
    const registered = this.projects.resolve(projectId);
    const parsed = StartExtractionInputSchema.parse(input);
    const request: ExtractionJobInput['request'] = {
      ...parsed,
      host: parsed.host ?? this.settings().host,
      model: parsed.model ?? this.settings().model,
      outFile: parsed.outFile === null ? null : path.resolve(parsed.outFile),
    };
    if (request.outFile && !/\.jsonl$/i.test(request.outFile)) {
      throw new UserError('INVALID_INPUT', `The output ${request.outFile} must end in .jsonl.`);
    }
    this.projects.withReadOnly(registered, (project) => {
      const reports = project.db.prepare('SELECT COUNT(*) AS n FROM reports').get() as { n: number };
      if (reports.n === 0) {
        throw new UserError(
          'INVALID_INPUT',
          'This project has no reports to extract; import studies with their reports first.',
        );
      }
    });
    if (request.engine === 'ollama') await new OllamaConnection({ host: request.host }).requireModel(request.model);
    const job = this.jobs.start('extraction.run', { request }, { id: registered.id, dir: registered.path });
    return { jobId: job.jobId };
  }

  list(projectId: string, filter: 'all' | 'needs-review' | 'failed' | 'none', limit: number, offset: number) {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      listExtractions(project.db, filter, limit, offset),
    );
  }

  get(projectId: string, studyId: number): ExtractionDetail {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      extractionDetail(project.db, studyId),
    );
  }

  review(projectId: string, sentenceId: number, review: SentenceReview): ExtractedSentence[] {
    return this.withWritable(projectId, 'reviewing extracted text', (project) =>
      reviewSentence(project.db, sentenceId, review),
    );
  }

  edit(projectId: string, studyId: number, section: string, text: string): ExtractionDetail {
    const known =
      (REPORT_SECTIONS as readonly string[]).includes(section) ||
      (section.startsWith('anatomy:') && isOrganSystem(section.slice('anatomy:'.length)));
    if (!known) {
      throw new UserError(
        'INVALID_INPUT',
        `"${section}" is not a section: use clinical_information, findings, impression or anatomy:<organ system>.`,
      );
    }
    return this.withWritable(projectId, 'editing extracted text', (project) => {
      const { report } = extractionDetail(project.db, studyId);
      const structured = { sections: emptySections(), anatomy: {} as Record<string, string[]> };
      if (section.startsWith('anatomy:')) structured.anatomy[section.slice('anatomy:'.length)] = [text];
      else structured.sections[section as (typeof REPORT_SECTIONS)[number]] = text;
      replaceSection(project.db, studyId, section, sentenceDrafts(report, structured));
      return extractionDetail(project.db, studyId);
    });
  }

  agreement(projectId: string): AgreementRow[] {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      extractionAgreement(latestLlmAnswers(project.db)),
    );
  }

  export(projectId: string, file: string): { file: string; records: number } {
    const target = path.resolve(file);
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => ({
      file: target,
      records: writeExtractionJsonl(project.db, target),
    }));
  }

  private withWritable<T>(projectId: string, purpose: string, use: (project: Project) => T): T {
    const project = openProject(this.projects.resolve(projectId).path, { mode: 'write', purpose });
    try {
      return use(project);
    } finally {
      project.close();
    }
  }
}
