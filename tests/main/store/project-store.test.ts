import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../src/main/store/migrate';
import { PROJECT_APPLICATION_ID, projectDatabase } from '../../../src/main/store/project-schema';
import { createProject, openProject, projectDbPath } from '../../../src/main/store/project-store';
import {
  deleteAdapterRecord,
  findActiveAdapter,
  listAdapterRecords,
  setActiveAdapter,
} from '../../../src/main/store/repositories/adapter-repository';
import {
  insertDataset,
  insertStudyWithReport,
  listStudies,
} from '../../../src/main/store/repositories/study-repository';
import { UserError } from '../../../src/shared/errors';
import { tempDir } from '../../helpers/temp-dir';

const LATEST = Math.max(...projectDatabase.migrations.map((m) => m.version));

/** A project database as an older version of the workbench wrote it. */
function writeProjectAtVersion(dir: string, version: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(projectDbPath(dir));
  db.pragma(`application_id = ${PROJECT_APPLICATION_ID}`);
  runMigrations(db, projectDatabase.migrations, version);
  const insertMeta = db.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?)');
  insertMeta.run('id', '11111111-2222-4333-8444-555555555555');
  insertMeta.run('name', 'Old project');
  db.prepare("INSERT INTO datasets (name, source, created_at) VALUES ('site-a', 'manifest.csv', '2025-01-01')").run();
  db.prepare(
    "INSERT INTO studies (dataset_id, study_uid, patient_id, split, image_path, labels_json, created_at) VALUES (1, 's1', 'p1', 'train', 'a.nii.gz', '{\"hcc\":1}', '2025-01-01')",
  ).run();
  db.prepare("INSERT INTO reports (study_id, text, sha256) VALUES (1, 'FINDINGS: liver mass.', 'x')").run();
  db.close();
}

function expectUserError(action: () => unknown, code: string, ...fragments: string[]): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UserError);
  expect((caught as UserError).code).toBe(code);
  for (const fragment of fragments) expect((caught as UserError).message).toContain(fragment);
}

describe('project store', () => {
  it('creates a project folder with project.sqlite (WAL, foreign keys, latest schema) and files/', () => {
    const dir = path.join(tempDir(), 'Liver study');
    const project = createProject(dir, { name: 'Liver study', createdBy: 'test' });
    try {
      expect(fs.existsSync(path.join(dir, 'files'))).toBe(true);
      expect(project.schemaVersion).toBe(LATEST);
      expect(project.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(project.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(project.meta.name).toBe('Liver study');
      const tables = (
        project.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
      ).map((t) => t.name);
      for (const table of [
        'datasets',
        'studies',
        'reports',
        'extracted_sections',
        'runs',
        'run_epochs',
        'checkpoints',
        'adapters',
        'evaluations',
        'predictions',
        'import_errors',
      ]) {
        expect(tables).toContain(table);
      }
    } finally {
      project.close();
    }
  });

  it('refuses to create a project where one exists, leaving it untouched', () => {
    const dir = path.join(tempDir(), 'p');
    createProject(dir, { name: 'p', createdBy: 'test' }).close();
    const before = fs.readFileSync(projectDbPath(dir));
    expectUserError(() => createProject(dir, { name: 'p', createdBy: 'test' }), 'PROJECT_EXISTS', dir);
    expect(fs.readFileSync(projectDbPath(dir)).equals(before)).toBe(true);
  });

  it('cascades deletes from a study to its report (foreign keys are on)', () => {
    const project = createProject(path.join(tempDir(), 'p'), { name: 'p', createdBy: 'test' });
    try {
      const datasetId = insertDataset(project.db, 'd', 'test');
      const base = {
        datasetId,
        patientId: 'p1',
        split: 'train' as const,
        imagePath: 'x.nii.gz',
        imageSha256: null,
        labels: {},
      };
      const studyId = insertStudyWithReport(project.db, { ...base, studyUid: 's1', reportText: 'FINDINGS: normal.' });
      project.db.prepare('DELETE FROM studies WHERE id = ?').run(studyId);
      expect(project.db.prepare('SELECT COUNT(*) AS n FROM reports').get()).toEqual({ n: 0 });
      expect(() =>
        insertStudyWithReport(project.db, { ...base, datasetId: 999, studyUid: 's2', reportText: 'x' }),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      project.close();
    }
  });

  it('migrates a project made by an older schema version, keeping its data and a backup', () => {
    const dir = path.join(tempDir(), 'old');
    writeProjectAtVersion(dir, 1);
    const project = openProject(dir, { mode: 'write' });
    try {
      expect(project.schemaVersion).toBe(LATEST);
      expect(project.meta.name).toBe('Old project');
      const { studies } = listStudies(project.db, { limit: 10, offset: 0, search: null, split: null });
      expect(studies).toHaveLength(1);
      expect(studies[0]).toMatchObject({ studyUid: 's1', labels: { hcc: 1 }, reportExcerpt: 'FINDINGS: liver mass.' });
      // v2 added import_errors and datasets.manifest_path
      project.db
        .prepare("INSERT INTO import_errors (dataset_id, code, message, created_at) VALUES (1, 'E', 'm', 'now')")
        .run();
      expect(project.db.prepare('SELECT manifest_path FROM datasets').get()).toEqual({ manifest_path: null });
    } finally {
      project.close();
    }
    const backup = new Database(`${projectDbPath(dir)}.v1.bak`, { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(1);
    backup.close();
  });

  it('migrates a version 6 project to 7: an active adapter (one at most, cleared with its row) and GPU bytes per epoch', () => {
    const dir = path.join(tempDir(), 'v6');
    writeProjectAtVersion(dir, 6);
    const old = new Database(projectDbPath(dir));
    const insertAdapter = old.prepare(
      `INSERT INTO adapters (name, base_model, base_model_sha256, path, sha256, size_bytes, trainable_params, config_json, created_at)
       VALUES (?, 'tiny', 'abc', ?, 'def', 10, 5, '{}', '2025-01-01')`,
    );
    insertAdapter.run('first', 'files/adapters/first');
    insertAdapter.run('second', 'files/adapters/second');
    old
      .prepare(
        "INSERT INTO runs (name, method, config_json, status, created_at) VALUES ('r', 'peft', '{}', 'succeeded', 'now')",
      )
      .run();
    old.prepare("INSERT INTO run_epochs (run_id, epoch, metrics_json, created_at) VALUES (1, 1, '{}', 'now')").run();
    old.close();

    const project = openProject(dir, { mode: 'write' });
    try {
      expect(project.schemaVersion).toBe(LATEST);
      expect(LATEST).toBeGreaterThanOrEqual(7);
      // Existing rows: no adapter active, no GPU bytes known.
      expect(project.db.prepare('SELECT name, active FROM adapters ORDER BY id').all()).toEqual([
        { name: 'first', active: 0 },
        { name: 'second', active: 0 },
      ]);
      expect(project.db.prepare('SELECT peak_gpu_bytes FROM run_epochs').get()).toEqual({ peak_gpu_bytes: null });
      project.db.prepare('UPDATE run_epochs SET peak_gpu_bytes = ? WHERE run_id = 1').run(123_456_789);
      expect(project.db.prepare('SELECT peak_gpu_bytes FROM run_epochs').get()).toEqual({
        peak_gpu_bytes: 123_456_789,
      });

      setActiveAdapter(project.db, 1);
      expect(findActiveAdapter(project.db)?.name).toBe('first');
      setActiveAdapter(project.db, 2); // moves, never two
      expect(listAdapterRecords(project.db).map((record) => [record.name, record.active])).toEqual([
        ['first', false],
        ['second', true],
      ]);
      expect(() => project.db.prepare('UPDATE adapters SET active = 1 WHERE id = 1').run()).toThrow(/UNIQUE/);
      expect(() => project.db.prepare('UPDATE adapters SET active = 2 WHERE id = 1').run()).toThrow(/CHECK/);
      deleteAdapterRecord(project.db, 2);
      expect(findActiveAdapter(project.db)).toBeNull();
    } finally {
      project.close();
    }
    const backup = new Database(`${projectDbPath(dir)}.v6.bak`, { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(6);
    backup.close();
  });

  it('upgrades an older project before a read-only open', () => {
    const dir = path.join(tempDir(), 'old');
    writeProjectAtVersion(dir, 1);
    const project = openProject(dir, { mode: 'read' });
    try {
      expect(project.schemaVersion).toBe(LATEST);
      expect(project.writable).toBe(false);
    } finally {
      project.close();
    }
  });

  it('leaves the file exactly as it was when a migration fails', () => {
    const dir = path.join(tempDir(), 'old');
    writeProjectAtVersion(dir, 1);
    const db = new Database(projectDbPath(dir));
    const failing = [
      ...projectDatabase.migrations,
      {
        version: LATEST + 1,
        name: 'broken',
        up(target: Database.Database) {
          target.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('disk says no');
        },
      },
    ];
    expect(() => runMigrations(db, failing)).toThrow('disk says no');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('half_done', 'import_errors')").all()).toEqual([]);
    db.close();
  });

  it('refuses a project from a newer schema version, naming both versions, and never writes to it', () => {
    const dir = path.join(tempDir(), 'future');
    writeProjectAtVersion(dir, LATEST);
    const db = new Database(projectDbPath(dir));
    db.pragma(`user_version = ${LATEST + 5}`);
    db.close();
    const before = fs.readFileSync(projectDbPath(dir));
    expectUserError(
      () => openProject(dir, { mode: 'write' }),
      'PROJECT_TOO_NEW',
      `version ${LATEST + 5}`,
      `version ${LATEST}`,
      projectDbPath(dir),
    );
    expectUserError(() => openProject(dir, { mode: 'read' }), 'PROJECT_TOO_NEW');
    expect(fs.readFileSync(projectDbPath(dir)).equals(before)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'project.lock'))).toBe(false);
  });

  it.each([
    ['random bytes', () => Buffer.from('this is not a database at all, just text\n'.repeat(200))],
    ['an empty file', () => Buffer.alloc(0)],
    [
      'a SQLite header followed by garbage',
      () => Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(8192, 0xab)]),
    ],
  ])('refuses a corrupt project.sqlite (%s), naming the file and leaving it untouched', (_what, bytes) => {
    const dir = tempDir();
    const content = bytes();
    fs.writeFileSync(projectDbPath(dir), content);
    expectUserError(() => openProject(dir, { mode: 'write' }), 'PROJECT_CORRUPT', projectDbPath(dir));
    expect(fs.readFileSync(projectDbPath(dir)).equals(content)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['project.sqlite']);
  });

  it('refuses a foreign SQLite database named project.sqlite, leaving it untouched', () => {
    const dir = tempDir();
    const db = new Database(projectDbPath(dir));
    db.exec('CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)');
    db.close();
    const before = fs.readFileSync(projectDbPath(dir));
    expectUserError(() => openProject(dir, { mode: 'write' }), 'PROJECT_FOREIGN', projectDbPath(dir));
    expect(fs.readFileSync(projectDbPath(dir)).equals(before)).toBe(true);
  });

  it('says which folder is missing or not a project', () => {
    const root = tempDir();
    expectUserError(
      () => openProject(path.join(root, 'nope'), { mode: 'read' }),
      'PROJECT_NOT_FOUND',
      'does not exist',
    );
    expectUserError(
      () => openProject(root, { mode: 'read' }),
      'PROJECT_NOT_FOUND',
      'is not a CT-VLM Workbench project',
    );
  });
});
