import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTsProcess, stopProcess } from '../helpers/child-process';
import { DEMO_STUDY_COUNT } from '../../src/main/demo/demo-build-job';
import { writeManifest } from '../helpers/manifest-builder';
import { REPO_ROOT, SHARED_FIXTURES } from '../helpers/paths';
import { ctvlm } from '../helpers/run-ctvlm';
import { tempDir } from '../helpers/temp-dir';

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => stopProcess(child)));
});

describe('ctvlm CLI', () => {
  it('--help lists every command, subcommands included', async () => {
    const result = await ctvlm(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'ctvlm info',
      'ctvlm serve',
      'ctvlm project list',
      'ctvlm project create <name>',
      'ctvlm project info <folder-or-id>',
      'ctvlm project demo',
    ]) {
      expect(result.stdout).toContain(command);
    }
    expect(result.stdout).toContain('--json');
  });

  it('creates and lists projects, as text and as JSON', async () => {
    const dataDir = tempDir();
    const created = await ctvlm(['--data-dir', dataDir, '--json', 'project', 'create', 'Liver HCC']);
    expect(created.code).toBe(0);
    const project = JSON.parse(created.stdout) as { id: string; path: string; status: string };
    expect(project).toMatchObject({ path: path.join(dataDir, 'projects', 'Liver HCC'), status: 'ok' });

    const listed = await ctvlm(['--data-dir', dataDir, 'project', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({ projects: [{ id: project.id, name: 'Liver HCC' }] });
    const text = await ctvlm(['project', 'list'], { CTVLM_HOME: dataDir });
    expect(text.stdout).toContain('Liver HCC');
    expect(text.stdout).toContain(project.id);

    const info = await ctvlm(['--data-dir', dataDir, 'project', 'info', project.path]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('0 datasets, 0 studies');
  });

  it('exits non-zero with an actionable message for bad input, and leaves files untouched', async () => {
    const dataDir = tempDir();
    const invalid = await ctvlm(['--data-dir', dataDir, 'project', 'create', 'a/b']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('cannot contain /');

    const corruptDir = path.join(tempDir(), 'broken');
    fs.mkdirSync(corruptDir);
    fs.writeFileSync(path.join(corruptDir, 'project.sqlite'), 'garbage');
    const corrupt = await ctvlm(['--data-dir', dataDir, '--json', 'project', 'info', corruptDir]);
    expect(corrupt.code).toBe(1);
    expect(JSON.parse(corrupt.stdout)).toMatchObject({ ok: false, error: { code: 'PROJECT_CORRUPT' } });
    expect(corrupt.stderr).toContain(path.join(corruptDir, 'project.sqlite'));
    expect(fs.readFileSync(path.join(corruptDir, 'project.sqlite'), 'utf8')).toBe('garbage');

    const unknown = await ctvlm(['frobnicate']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown command');
  });

  it(
    'builds the demo project with progress, and refuses while another process writes to it',
    { timeout: 300_000 },
    async () => {
      const dataDir = tempDir();
      const built = await ctvlm(['--data-dir', dataDir, 'project', 'demo']);
      expect(built.code).toBe(0);
      expect(built.stderr).toMatch(/100% (\d+)\/\1 /);
      expect(built.stdout).toContain(`${DEMO_STUDY_COUNT} studies, ${DEMO_STUDY_COUNT} reports`);

      const demoDir = path.join(dataDir, 'projects', 'demo');
      const { child } = await startTsProcess(
        path.join(REPO_ROOT, 'tests/helpers/hold-project-lock.ts'),
        [demoDir],
        /locked/,
      );
      children.push(child);
      // Remove the completion mark so that `demo` has to write.
      const Database = (await import('better-sqlite3')).default;
      const db = new Database(path.join(demoDir, 'project.sqlite'));
      db.prepare("DELETE FROM project_meta WHERE key = 'demo_complete'").run();
      db.close();
      const refused = await ctvlm(['--data-dir', dataDir, 'project', 'demo']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('is open for writing by process');
    },
  );

  it('imports a manifest, prints a summary with each failed study, and exits 1 when any failed', async () => {
    const dataDir = tempDir();
    const sourceDir = tempDir();
    fs.symlinkSync(path.join(SHARED_FIXTURES, 'ct', 'head-ct-small.nii.gz'), path.join(sourceDir, 'head.nii.gz'));
    const manifest = writeManifest(
      sourceDir,
      ['study_id', 'patient_id', 'image', 'report', 'split'],
      [
        ['a', 'p1', 'head.nii.gz', 'FINDINGS: normal.', 'train'],
        ['b', 'p2', 'head.nii.gz', 'FINDINGS: normal.', 'test'],
        ['c', 'p3', 'missing.nii.gz', 'FINDINGS: normal.', 'val'],
      ],
    );
    const project = path.join(dataDir, 'proj');
    expect((await ctvlm(['--data-dir', dataDir, 'project', 'create', 'proj', '--dir', dataDir])).code).toBe(0);
    const imported = await ctvlm(['--data-dir', dataDir, 'import', project, '--manifest', manifest]);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain('2 imported, 0 already there, 1 failed (of 3 rows)');
    expect(imported.stdout).toContain('Splits: 1 train, 0 val, 1 test.');
    expect(imported.stdout).toContain('missing.nii.gz does not exist');

    const json = await ctvlm([
      '--data-dir',
      dataDir,
      '--json',
      'import',
      project,
      '--manifest',
      manifest,
      '--name',
      'manifest',
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      imported: 0,
      skipped: 2,
      failed: 1,
      errors: [{ studyUid: 'c', code: 'STUDY_INVALID' }],
    });

    const badManifest = await ctvlm([
      '--data-dir',
      dataDir,
      'import',
      project,
      '--manifest',
      path.join(sourceDir, 'nope.csv'),
    ]);
    expect(badManifest.code).toBe(1);
    expect(badManifest.stderr).toContain('Cannot read the manifest');
  });
});
