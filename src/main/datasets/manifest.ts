/**
 * The import manifest: a CSV with a header naming study_id, patient_id, image (a NIfTI file or
 * a DICOM folder, relative to the manifest), report (the text) or report_file, an optional
 * split (train/val/test), and optional label:<name> columns (0/1) used only for evaluation.
 * Problems with the file as a whole stop the import before anything is written; problems
 * with one row become that study's error and the import goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../../shared/errors';

export type Split = 'train' | 'val' | 'test';

export interface ManifestRow {
  /** 1-based line number of the row in the file (the header is line 1). */
  line: number;
  studyId: string;
  patientId: string;
  /** Absolute path of the image (NIfTI file or DICOM folder). */
  imagePath: string;
  /** The report column's text, verbatim (null when the manifest has no report column). */
  reportText: string | null;
  /** Absolute path from report_file, used when the report column is absent or blank. */
  reportFile: string | null;
  split: string | null;
  labels: Record<string, string>;
}

export interface Manifest {
  path: string;
  rows: ManifestRow[];
  labelNames: string[];
  hasSplit: boolean;
}

const REQUIRED = ['study_id', 'patient_id', 'image'] as const;
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export function readManifest(manifestPath: string): Manifest {
  const file = path.resolve(manifestPath);
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_MANIFEST_BYTES)
      throw new UserError(
        'MANIFEST_INVALID',
        `The manifest ${file} is larger than 256 MiB; split it into several imports.`,
      );
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError('MANIFEST_INVALID', `Cannot read the manifest ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: false });
  } catch (error) {
    throw new UserError('MANIFEST_INVALID', `The manifest ${file} is not valid CSV: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const [header, ...body] = records;
  if (!header)
    throw new UserError(
      'MANIFEST_INVALID',
      `The manifest ${file} is empty; it needs a header line and one line per study.`,
    );
  const columns = header.map((name) => name.trim());
  const missing = REQUIRED.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new UserError(
      'MANIFEST_INVALID',
      `The manifest ${file} has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}. Its header must name study_id, patient_id, image and report (or report_file); found: ${columns.join(', ')}.`,
    );
  }
  if (!columns.includes('report') && !columns.includes('report_file')) {
    throw new UserError(
      'MANIFEST_INVALID',
      `The manifest ${file} has neither a report nor a report_file column: every study needs its report text.`,
    );
  }
  const duplicated = columns.filter((name, i) => columns.indexOf(name) !== i);
  if (duplicated.length > 0)
    throw new UserError('MANIFEST_INVALID', `The manifest ${file} names the column ${duplicated[0] ?? ''} twice.`);
  if (body.length === 0) throw new UserError('MANIFEST_INVALID', `The manifest ${file} has a header but no studies.`);

  const labelColumns = columns.filter((name) => name.startsWith('label:'));
  const badLabel = labelColumns.find((name) => !/^label:[A-Za-z0-9_.-]+$/.test(name));
  if (badLabel)
    throw new UserError(
      'MANIFEST_INVALID',
      `The label column "${badLabel}" in ${file} must look like label:<name> with letters, digits, _ . or -.`,
    );

  const dir = path.dirname(file);
  const at = (record: string[], name: string): string => {
    const index = columns.indexOf(name);
    return index >= 0 ? (record[index] ?? '').trim() : '';
  };
  const rows = body.map((record, i): ManifestRow => {
    const image = at(record, 'image');
    const reportFile = at(record, 'report_file');
    return {
      line: i + 2,
      studyId: at(record, 'study_id'),
      patientId: at(record, 'patient_id'),
      imagePath: image ? path.resolve(dir, image) : '',
      // Reports are stored verbatim: no trimming of the text itself.
      reportText: columns.includes('report') ? (record[columns.indexOf('report')] ?? '') : null,
      reportFile: reportFile ? path.resolve(dir, reportFile) : null,
      split: columns.includes('split') ? at(record, 'split') || null : null,
      labels: Object.fromEntries(labelColumns.map((name) => [name.slice('label:'.length), at(record, name)])),
    };
  });
  return {
    path: file,
    rows,
    labelNames: labelColumns.map((name) => name.slice('label:'.length)),
    hasSplit: columns.includes('split'),
  };
}
