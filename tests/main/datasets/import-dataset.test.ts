import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../../src/shared/api/client';
import { ImportSummarySchema } from '../../../src/shared/api/dataset-schemas';
import type { JobProgress } from '../../../src/shared/api/job-schemas';
import { createInProcessBridge } from '../../../src/main/api/in-process-bridge';
import type { Workbench } from '../../../src/main/services/workbench';
import { openProject } from '../../../src/main/store/project-store';
import { encodeNifti } from '../../../src/main/volumes/nifti-writer';
import { writeManifest } from '../../helpers/manifest-builder';
import { copyHeadSeries, filesByPosition, patchString, readElements } from '../../helpers/volume-dicom-files';
import { SHARED_FIXTURES } from '../../helpers/paths';
import { tempDir } from '../../helpers/temp-dir';
import { testWorkbench } from '../../helpers/workbench';

const HEAD_NII = path.join(SHARED_FIXTURES, 'ct', 'head-ct-small.nii.gz');
const HEAD_DICOM = path.join(SHARED_FIXTURES, 'ct', 'head-ct-small-dicom');
const HEADER = ['study_id', 'patient_id', 'image', 'report', 'label:hemorrhage'];
const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

const open: Workbench[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

async function setup(): Promise<{
  api: ApiClient;
  workbench: Workbench;
  projectId: string;
  projectDir: string;
  dataDir: string;
}> {
  const workbench = testWorkbench();
  open.push(workbench);
  const api = createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events));
  const project = await api.invoke('projects.create', { name: 'Site A' });
  return { api, workbench, projectId: project.id, projectDir: project.path, dataDir: tempDir() };
}

function finished(workbench: Workbench, jobId: string): Promise<unknown> {
  return workbench.jobs.wait(jobId);
}

function storedStudies(projectDir: string): Array<{
  study_uid: string;
  patient_id: string;
  split: string;
  text: string;
  labels_json: string;
  image_meta_json: string;
}> {
  const project = openProject(projectDir, { mode: 'read' });
  try {
    return project.db
      .prepare(
        'SELECT s.study_uid, s.patient_id, s.split, r.text, s.labels_json, s.image_meta_json FROM studies s JOIN reports r ON r.study_id = s.id ORDER BY s.study_uid',
      )
      .all() as ReturnType<typeof storedStudies>;
  } finally {
    project.close();
  }
}

describe('dataset import', () => {
  it('imports NIfTI and DICOM studies with verbatim reports, eval-only labels and a patient-level split', async () => {
    const { api, workbench, projectId, projectDir, dataDir } = await setup();
    fs.symlinkSync(HEAD_NII, path.join(dataDir, 'head.nii.gz'));
    fs.symlinkSync(HEAD_DICOM, path.join(dataDir, 'head-dicom'));
    fs.writeFileSync(path.join(dataDir, 'r3.txt'), 'FINDINGS: Small subdural hematoma.\n');
    const report =
      '  CLINICAL INFORMATION: headache.\n\nFINDINGS: No acute "intracranial" abnormality, no hemorrhage.\n';
    const rows = Array.from({ length: 10 }, (_, i) => [
      `s${i}`,
      `p${Math.floor(i / 2)}`,
      i % 3 === 0 ? 'head-dicom' : 'head.nii.gz',
      report,
      String(i % 2),
    ]);
    const manifest = writeManifest(
      dataDir,
      [...HEADER, 'report_file'],
      [...rows.map((r) => [...r, '']), ['s10', 'p9', 'head.nii.gz', '', '', 'r3.txt']],
    );

    const { jobId } = await api.invoke('datasets.import', { projectId, manifestPath: manifest, seed: 7 });
    const summary = ImportSummarySchema.parse(await finished(workbench, jobId));
    expect(summary).toMatchObject({ datasetName: 'manifest', rows: 11, imported: 11, skipped: 0, failed: 0 });
    expect(summary.splits.train + summary.splits.val + summary.splits.test).toBe(11);

    const stored = storedStudies(projectDir);
    expect(stored).toHaveLength(11);
    expect(stored.find((s) => s.study_uid === 's1')?.text).toBe(report); // verbatim, leading spaces and quotes kept
    expect(stored.find((s) => s.study_uid === 's10')?.text).toBe('FINDINGS: Small subdural hematoma.\n');
    expect(JSON.parse(stored.find((s) => s.study_uid === 's10')?.labels_json ?? '')).toEqual({}); // empty label: unknown
    expect(JSON.parse(stored.find((s) => s.study_uid === 's3')?.labels_json ?? '')).toEqual({ hemorrhage: 1 });
    expect(JSON.parse(stored.find((s) => s.study_uid === 's0')?.image_meta_json ?? '')).toMatchObject({
      dims: [80, 80, 54],
      kind: 'dicom',
    });
    for (const patient of new Set(stored.map((s) => s.patient_id))) {
      expect(new Set(stored.filter((s) => s.patient_id === patient).map((s) => s.split)).size).toBe(1); // no patient in two splits
    }
    expect(new Set(stored.map((s) => s.split))).toEqual(new Set(['train', 'val', 'test']));

    // Same seed, same manifest, new project: the same split.
    const again = await api.invoke('projects.create', { name: 'Site A again' });
    const second = await api.invoke('datasets.import', { projectId: again.id, manifestPath: manifest, seed: 7 });
    await finished(workbench, second.jobId);
    expect(storedStudies(again.path).map((s) => s.split)).toEqual(stored.map((s) => s.split));
  });

  it('records a clear error for each bad study, imports the rest, and a rerun adds fixed studies without duplicates', async () => {
    const { api, workbench, projectId, projectDir, dataDir } = await setup();
    const original = fs.readFileSync(HEAD_NII);
    fs.writeFileSync(path.join(dataDir, 'good.nii.gz'), original);
    fs.writeFileSync(path.join(dataDir, 'truncated.nii.gz'), original.subarray(0, Math.floor(original.length / 2)));
    fs.writeFileSync(path.join(dataDir, 'not-nifti.nii.gz'), 'just some text that is not a volume');
    // A DICOM series from an MR scanner, and a folder mixing two series.
    const mr = copyHeadSeries(path.join(dataDir, 'mr-series'));
    for (const file of fs.readdirSync(mr)) patchString(path.join(mr, file), 'x00080060', 'MR');
    const mixed = copyHeadSeries(path.join(dataDir, 'mixed-series'));
    const uidElement = readElements(path.join(mixed, fs.readdirSync(mixed)[0] ?? '')).get('x0020000e');
    const otherUid = Buffer.from(uidElement?.value ?? Buffer.alloc(0))
      .toString('latin1')
      .replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10));
    filesByPosition(mixed)
      .filter((_, i) => i % 2 === 0)
      .forEach((file) => patchString(file, 'x0020000e', otherUid));
    const nan = new Float32Array(8 * 8 * 4).fill(-100);
    nan[17] = Number.NaN;
    fs.writeFileSync(path.join(dataDir, 'nan.nii'), encodeNifti({ data: nan, dims: [8, 8, 4], affine: IDENTITY }));
    const rows = [
      ['ok1', 'p1', 'good.nii.gz', 'FINDINGS: normal.', '0'],
      ['trunc', 'p2', 'truncated.nii.gz', 'FINDINGS: normal.', '0'],
      ['magic', 'p3', 'not-nifti.nii.gz', 'FINDINGS: normal.', '0'],
      ['nan', 'p4', 'nan.nii', 'FINDINGS: normal.', '0'],
      ['missing', 'p5', 'nowhere.nii.gz', 'FINDINGS: normal.', '0'],
      ['ok1', 'p6', 'good.nii.gz', 'FINDINGS: duplicate id.', '0'],
      ['empty', 'p7', 'good.nii.gz', '   ', '0'],
      ['badlabel', 'p8', 'good.nii.gz', 'FINDINGS: x.', 'yes'],
      ['ok2', 'p9', 'good.nii.gz', 'FINDINGS: hemorrhage.', '1'],
      ['mr', 'p10', 'mr-series', 'FINDINGS: normal.', '0'],
      ['mixed', 'p11', 'mixed-series', 'FINDINGS: normal.', '0'],
    ];
    const manifest = writeManifest(dataDir, HEADER, rows);
    const { jobId } = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
    const summary = ImportSummarySchema.parse(await finished(workbench, jobId));
    expect(summary).toMatchObject({ imported: 2, failed: 9, skipped: 0 });

    const { errors, total } = await api.invoke('datasets.errors', { projectId });
    expect(total).toBe(9);
    const byStudy = new Map(errors.map((e) => [e.studyUid, e]));
    expect(byStudy.get('trunc')).toMatchObject({ code: 'VOLUME_INVALID' });
    expect(byStudy.get('magic')?.code).toMatch(/VOLUME_(INVALID|UNSUPPORTED)/);
    expect(byStudy.get('nan')).toMatchObject({ code: 'VOLUME_INVALID' });
    expect(byStudy.get('nan')?.message).toMatch(/NaN|not a number|finite/i);
    expect(byStudy.get('missing')?.message).toContain('does not exist');
    expect(byStudy.get('ok1')?.message).toContain('more than once');
    expect(byStudy.get('empty')?.message).toContain('report is empty');
    expect(byStudy.get('badlabel')?.message).toContain('label:hemorrhage');
    expect(byStudy.get('mr')).toMatchObject({ code: 'VOLUME_UNSUPPORTED' });
    expect(byStudy.get('mr')?.message).toContain('MR');
    expect(byStudy.get('mixed')).toMatchObject({ code: 'SERIES_AMBIGUOUS' });
    for (const error of errors) expect(error.source).toMatch(/^line \d+: /);
    expect(storedStudies(projectDir).map((s) => s.study_uid)).toEqual(['ok1', 'ok2']);

    // Fix one study and import again: the fixed one is added, nothing is imported twice.
    fs.writeFileSync(path.join(dataDir, 'truncated.nii.gz'), original);
    const rerun = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
    const second = ImportSummarySchema.parse(await finished(workbench, rerun.jobId));
    expect(second).toMatchObject({ imported: 1, skipped: 2, failed: 8 });
    expect(storedStudies(projectDir).map((s) => s.study_uid)).toEqual(['ok1', 'ok2', 'trunc']);
    expect((await api.invoke('datasets.errors', { projectId })).total).toBe(8); // errors of the last run only
  });

  it('refuses a bad manifest before any work, writing nothing', async () => {
    const { api, projectId, projectDir, dataDir } = await setup();
    const cases: Array<[string, string]> = [
      ['no-image.csv', 'study_id,patient_id,report\ns1,p1,text\n'],
      ['no-report.csv', 'study_id,patient_id,image\ns1,p1,a.nii.gz\n'],
      ['empty.csv', ''],
      ['header-only.csv', 'study_id,patient_id,image,report\n'],
      ['ragged.csv', 'study_id,patient_id,image,report\ns1,p1,a.nii.gz\n'],
    ];
    for (const [name, text] of cases) {
      fs.writeFileSync(path.join(dataDir, name), text);
      await expect(
        api.invoke('datasets.import', { projectId, manifestPath: path.join(dataDir, name) }),
        name,
      ).rejects.toMatchObject({
        code: 'MANIFEST_INVALID',
      });
    }
    await expect(
      api.invoke('datasets.import', { projectId, manifestPath: path.join(dataDir, 'absent.csv') }),
    ).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
    });
    expect((await api.invoke('projects.get', { projectId })).counts.datasets).toBe(0);
    expect(fs.existsSync(path.join(projectDir, 'project.lock'))).toBe(false);
  });

  it('keeps what was imported when cancelled, and resumes to completion', async () => {
    const { api, workbench, projectId, projectDir, dataDir } = await setup();
    fs.symlinkSync(HEAD_NII, path.join(dataDir, 'head.nii.gz'));
    const rows = Array.from({ length: 30 }, (_, i) => [
      `s${String(i).padStart(2, '0')}`,
      `p${i}`,
      'head.nii.gz',
      `FINDINGS: study ${i}.`,
      '0',
    ]);
    const manifest = writeManifest(dataDir, HEADER, rows);
    const { jobId } = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
    await new Promise<void>((resolve) => {
      const off = api.on('job.progress', (progress: JobProgress) => {
        if (progress.jobId === jobId && progress.done >= 3) {
          off();
          void api.invoke('jobs.cancel', { jobId }).then(() => resolve());
        }
      });
    });
    await expect(finished(workbench, jobId)).rejects.toMatchObject({ code: 'CANCELLED' });
    const partial = storedStudies(projectDir).length;
    expect(partial).toBeGreaterThanOrEqual(3);
    expect(partial).toBeLessThan(30);

    const resumed = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
    const summary = ImportSummarySchema.parse(await finished(workbench, resumed.jobId));
    expect(summary).toMatchObject({ imported: 30 - partial, skipped: partial, failed: 0 });
    expect(storedStudies(projectDir)).toHaveLength(30);
  });
});
