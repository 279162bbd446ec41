/**
 * Job `dataset.import`: read the manifest, check each study (ids, report, labels, the image
 * read in full) and store the good ones; a bad study becomes a recorded error and the import
 * goes on. Each study is stored in its own transaction, so a cancelled or killed import
 * loses nothing and a rerun continues where it stopped (studies already stored are skipped).
 */
import path from 'node:path';
import { ImportDatasetInputSchema, type ImportSummary } from '../../shared/api/dataset-schemas';
import { BugError, CancelledError, toErrorPayload, UserError } from '../../shared/errors';
import type { JobContext } from '../jobs/job-context';
import { openProject, type Project } from '../store/project-store';
import { clearImportErrors, recordImportError } from '../store/repositories/import-error-repository';
import { insertDataset, insertStudyWithReport, studyExists } from '../store/repositories/study-repository';
import { readManifest, type Manifest, type Split } from './manifest';
import { splitPatients } from './patient-split';
import { checkStudy } from './study-check';

export async function importDatasetJob(rawInput: unknown, context: JobContext): Promise<ImportSummary> {
  if (!context.projectDir) throw new BugError('dataset.import needs a project folder.');
  const input = ImportDatasetInputSchema.parse(rawInput);
  const manifest = readManifest(input.manifestPath); // a bad manifest stops here, before any write
  const datasetName = input.datasetName ?? path.basename(manifest.path).replace(/\.[^.]+$/, '');
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    return await importManifest(project, manifest, { datasetName, seed: input.seed }, context);
  } finally {
    project.close();
  }
}

/** Import a parsed manifest into an open, writable project; used by the import job and the demo. */
export async function importManifest(
  project: Project,
  manifest: Manifest,
  options: { datasetName: string; seed: number },
  context: Pick<JobContext, 'throwIfCancelled' | 'progress'>,
): Promise<ImportSummary> {
  const db = project.db;
  const { datasetName } = options;
  const datasetId = insertDataset(db, datasetName, manifest.path);
  db.prepare('UPDATE datasets SET manifest_path = ? WHERE id = ?').run(manifest.path, datasetId);
  clearImportErrors(db, datasetId);

  const patientSplits = splitPatients(
    manifest.rows.map((row) => row.patientId).filter((id) => id !== ''),
    options.seed,
  );
  const seen = new Set<string>();
  const summary: ImportSummary = {
    datasetId,
    datasetName,
    rows: manifest.rows.length,
    imported: 0,
    skipped: 0,
    failed: 0,
    splits: { train: 0, val: 0, test: 0 },
  };
  const fail = (line: number, studyUid: string | null, source: string, error: unknown): void => {
    const payload = toErrorPayload(error);
    recordImportError(db, {
      datasetId,
      studyUid,
      source: `line ${line}: ${source}`,
      code: payload.code,
      message: payload.message,
    });
    summary.failed += 1;
  };

  for (const [index, row] of manifest.rows.entries()) {
    context.throwIfCancelled();
    context.progress(index, manifest.rows.length, `Checking ${row.studyId || `line ${row.line}`}`);
    if (row.studyId && seen.has(row.studyId)) {
      const message = `line ${row.line}: study_id ${row.studyId} appears more than once in the manifest; only its first row was imported.`;
      fail(row.line, row.studyId, row.imagePath, new UserError('STUDY_INVALID', message));
      continue;
    }
    seen.add(row.studyId);
    if (row.studyId && studyExists(db, datasetId, row.studyId)) {
      summary.skipped += 1;
      continue;
    }
    try {
      const study = await checkStudy(row);
      const split: Split = study.split ?? patientSplits.get(study.patientId) ?? 'train';
      insertStudyWithReport(db, {
        datasetId,
        studyUid: study.studyUid,
        patientId: study.patientId,
        split,
        imagePath: storedImagePath(project.dir, study.imagePath),
        imageSha256: study.imageSha256,
        labels: study.labels,
        reportText: study.reportText,
        imageMeta: study.imageMeta,
      });
      summary.imported += 1;
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      fail(row.line, row.studyId || null, row.imagePath, error);
    }
    await new Promise((resolve) => setImmediate(resolve)); // let a cancel message in
  }

  const counts = db
    .prepare('SELECT split, COUNT(*) AS n FROM studies WHERE dataset_id = ? GROUP BY split')
    .all(datasetId) as {
    split: Split;
    n: number;
  }[];
  for (const { split, n } of counts) summary.splits[split] = n;
  context.progress(
    manifest.rows.length,
    manifest.rows.length,
    `Imported ${summary.imported}, failed ${summary.failed}`,
  );
  return summary;
}

/** Images inside the project folder are stored relative to it, so the project can move. */
function storedImagePath(projectDir: string, imagePath: string): string {
  const relative = path.relative(projectDir, imagePath);
  return relative.startsWith('..') || path.isAbsolute(relative) ? imagePath : relative.split(path.sep).join('/');
}
