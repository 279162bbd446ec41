/**
 * The CT viewer's files end to end: a real workbench (worker processes, SQLite), the real web-mode
 * server on loopback, a phantom dataset stored in LPS voxel order and the lesion-model fixture as
 * base model. The NIfTI files served are decoded and compared voxel for voxel with what the
 * volume readers and the preprocessing give; the desktop app's protocol answer is the same bytes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBridge } from '../../../src/main/api/in-process-bridge';
import { preprocess } from '../../../src/main/volumes/preprocess';
import { readStoredVolume, readVolume } from '../../../src/main/volumes/read-volume';
import { PresetSchema } from '../../../src/main/volumes/preset-schema';
import { startWebServer, type WebServer } from '../../../src/main/server/web-server';
import { viewerFileResponse } from '../../../src/main/server/viewer-file-response';
import type { Workbench } from '../../../src/main/services/workbench';
import { createApiClient, type ApiClient } from '../../../src/shared/api/client';
import { gradCamFile, studyVolumeFile, VIEWER_FILES_WEB_PREFIX } from '../../../src/shared/api/viewer-files';
import { jobResult, waitForJob } from '../../helpers/jobs';
import { writePhantomDataset } from '../../helpers/phantom-dataset';
import { testWorkbench } from '../../helpers/workbench';
import { REPO_ROOT } from '../../helpers/paths';

const LESION_MODEL = path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model');
const LESION_PRESET = path.join(REPO_ROOT, 'tests', 'fixtures', 'lesion-model-preset.json');
const DEMO_TOKENIZER = path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece');

let suiteDir: string;
let workbench: Workbench;
let server: WebServer;
let api: ApiClient;
let projectId: string;
let projectPath: string;
let firstStudy: { id: number; imagePath: string; report: string };

beforeAll(async () => {
  suiteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-viewer-'));
  workbench = testWorkbench({ dataDir: path.join(suiteDir, 'data') });
  api = createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events));
  server = await startWebServer({ workbench, rendererDir: suiteDir, port: 0 });
  const project = await api.invoke('projects.create', { name: 'Viewer' });
  projectId = project.id;
  projectPath = project.path;
  const { manifest } = writePhantomDataset(path.join(suiteDir, 'dataset'), { count: 2, seed: 5, lps: true });
  const { jobId } = await api.invoke('datasets.import', { projectId, manifestPath: manifest });
  expect((await waitForJob(api, jobId)).status).toBe('succeeded');
  await api.invoke('models.setBase', {
    projectId,
    checkpoint: LESION_MODEL,
    tokenizer: DEMO_TOKENIZER,
    preset: LESION_PRESET,
  });
  const [row] = (await api.invoke('studies.list', { projectId })).studies;
  if (!row) throw new Error('no study imported');
  const detail = await api.invoke('studies.get', { projectId, studyId: row.id });
  firstStudy = { id: row.id, imagePath: path.resolve(projectPath, row.imagePath), report: detail.report ?? '' };
}, 180_000);

afterAll(async () => {
  await server?.close();
  await workbench?.close();
  if (suiteDir) fs.rmSync(suiteDir, { recursive: true, force: true });
});

function get(relative: string, token: string | null = server.token, method = 'GET'): Promise<Response> {
  return fetch(`${server.origin}${VIEWER_FILES_WEB_PREFIX}${relative}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

interface DecodedNifti {
  dims: number[];
  affine: number[];
  values: Float64Array;
}

function decode(gz: Buffer): DecodedNifti {
  expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // served still gzipped, for the loader to gunzip
  const raw = gunzipSync(gz);
  const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const header = nifti.readHeader(buffer);
  if (!header) throw new Error('not a NIfTI file');
  const image = nifti.readImage(header, buffer);
  const typed = header.datatypeCode === nifti.NIFTI1.TYPE_INT16 ? new Int16Array(image) : new Float32Array(image);
  const slope = header.scl_slope || 1;
  return {
    dims: header.dims.slice(1, 4),
    affine: header.affine.flat(),
    values: Float64Array.from(typed, (v) => v * slope + header.scl_inter),
  };
}

async function viewerJobs(): Promise<number> {
  return (await api.invoke('jobs.list', {})).jobs.filter((job) => job.kind === 'viewer.volume').length;
}

describe('viewer files', { timeout: 240_000 }, () => {
  it('describes a study for the viewer: its row, whole report and recorded grid', async () => {
    const detail = await api.invoke('studies.get', { projectId, studyId: firstStudy.id });
    const stored = await readStoredVolume(firstStudy.imagePath);
    expect(detail.study.id).toBe(firstStudy.id);
    expect(detail.report?.length ?? 0).toBeGreaterThan(detail.study.reportExcerpt.length - 1);
    expect(detail.volume?.dims).toEqual(stored.dims);
    expect(detail.volume?.preprocessPreset).toBe('small-soft-tissue');
    expect(detail.volumeError).toBeNull();
    await expect(api.invoke('studies.get', { projectId, studyId: 9999 })).rejects.toThrow(/no study 9999/);
  });

  it('refuses a request without the token, and paths it does not serve', async () => {
    const unauthorised = await get(studyVolumeFile(projectId, firstStudy.id, 'original'), null);
    expect(unauthorised.status).toBe(401);
    expect(((await unauthorised.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const wrongToken = await get(studyVolumeFile(projectId, firstStudy.id, 'original'), 'x'.repeat(32));
    expect(wrongToken.status).toBe(401);
    for (const bad of [
      `projects/${projectId}/gradcam/..%2F..%2Fproject.sqlite`,
      `projects/${projectId}/studies/${firstStudy.id}/original.nii`,
      `projects/${projectId}/../project.sqlite`,
      'projects/not-a-uuid/studies/1/original.nii.gz',
    ]) {
      const response = await get(bad);
      expect(response.status, bad).toBe(404);
    }
    const unknownProject = await get(studyVolumeFile('5f0c8a1e-2b3c-4d5e-8f90-123456789abc', 1, 'original'));
    expect(unknownProject.status).toBe(404);
    const unknownStudy = await get(studyVolumeFile(projectId, 9999, 'original'));
    expect(unknownStudy.status).toBe(400);
    expect(((await unknownStudy.json()) as { error: { message: string } }).error.message).toMatch(/no study 9999/);
    const post = await get(studyVolumeFile(projectId, firstStudy.id, 'original'), server.token, 'POST');
    expect(post.status).toBe(405);
  });

  it('serves the stored CT as gzipped NIfTI on its own grid, in HU, then from the cache', async () => {
    const jobsBefore = await viewerJobs();
    const response = await get(studyVolumeFile(projectId, firstStudy.id, 'original'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-encoding')).toBeNull();
    const body = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(body.length);
    const served = decode(body);
    const stored = await readStoredVolume(firstStudy.imagePath);
    expect(served.dims).toEqual(stored.dims);
    stored.affine.forEach((value, i) => expect(served.affine[i]).toBeCloseTo(value, 4));
    expect(served.values).toEqual(Float64Array.from(stored.data));
    expect(await viewerJobs()).toBe(jobsBefore + 1);

    const again = Buffer.from(await (await get(studyVolumeFile(projectId, firstStudy.id, 'original'))).arrayBuffer());
    expect(again.equals(body)).toBe(true);
    expect(await viewerJobs()).toBe(jobsBefore + 1); // no second job: the cache answered

    const head = await get(studyVolumeFile(projectId, firstStudy.id, 'original'), server.token, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(body.length);
  });

  it('rebuilds the cached file when the CT changes on disk', async () => {
    const relative = studyVolumeFile(projectId, firstStudy.id, 'original');
    await get(relative);
    const jobsBefore = await viewerJobs();
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(firstStudy.imagePath, later, later);
    expect((await get(relative)).status).toBe(200);
    expect(await viewerJobs()).toBe(jobsBefore + 1);
  });

  it('serves the preprocessed volume on the preset grid, mapped back to clipped HU', async () => {
    const response = await get(studyVolumeFile(projectId, firstStudy.id, 'preprocessed'));
    expect(response.status).toBe(200);
    const served = decode(Buffer.from(await response.arrayBuffer()));
    const preset = PresetSchema.parse(JSON.parse(fs.readFileSync(LESION_PRESET, 'utf8')));
    const expected = preprocess(await readVolume(firstStudy.imagePath), preset);
    expect(served.dims).toEqual(expected.dims);
    const [low, high] = preset.intensity.huWindow;
    let worst = 0;
    for (let i = 0; i < expected.data.length; i += 1) {
      const hu = low + (expected.data[i] ?? 0) * (high - low); // outputRange [0, 1]
      worst = Math.max(worst, Math.abs((served.values[i] ?? Number.NaN) - hu));
    }
    expect(worst).toBeLessThan(0.6); // whole HU, plus the preprocess cache's 16-bit quantisation
    expect(served.values.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(low);
    expect(served.values.reduce((a, b) => Math.max(a, b))).toBeLessThanOrEqual(high);
  });

  it('lists a study’s Grad-CAM maps and serves each on the CT grid; the desktop protocol answers the same bytes', async () => {
    expect((await api.invoke('gradcam.list', { projectId, studyId: firstStudy.id })).maps).toEqual([]);
    const { jobId } = await api.invoke('gradcam.start', { projectId, study: firstStudy.id, text: 'report' });
    await jobResult(api, jobId);
    const { maps } = await api.invoke('gradcam.list', { projectId, studyId: firstStudy.id });
    expect(maps).toHaveLength(1);
    const [map] = maps;
    if (!map) throw new Error('no map');
    expect(map).toMatchObject({ studyId: firstStudy.id, modelLabel: 'base', text: firstStudy.report });
    expect(map.fileName).toMatch(/\.nii\.gz$/);

    const relative = gradCamFile(projectId, map.fileName);
    const response = await get(relative);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(fs.readFileSync(map.file))).toBe(true);
    const served = decode(body);
    const stored = await readStoredVolume(firstStudy.imagePath);
    expect(served.dims).toEqual(stored.dims); // the original CT's grid: the overlay lines up voxel for voxel
    expect(served.values.reduce((a, b) => Math.max(a, b))).toBeCloseTo(map.rawMax > 0 ? 1 : 0, 5);

    const desktop = await viewerFileResponse(workbench.viewer, relative, 'GET');
    expect(desktop.status).toBe(200);
    expect(Buffer.from(await desktop.arrayBuffer()).equals(body)).toBe(true);
    const missing = await viewerFileResponse(workbench.viewer, gradCamFile(projectId, 'gone.nii.gz'), 'GET');
    expect(missing.status).toBe(404);

    // Another study has none of them.
    const other = (await api.invoke('studies.list', { projectId })).studies.find((s) => s.id !== firstStudy.id);
    expect((await api.invoke('gradcam.list', { projectId, studyId: other?.id ?? 0 })).maps).toEqual([]);
  });
});
