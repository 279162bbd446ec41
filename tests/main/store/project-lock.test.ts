import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireProjectLock, LOCK_FILE } from '../../../src/main/store/project-lock';
import { createProject, openProject } from '../../../src/main/store/project-store';
import type { ChildProcess } from 'node:child_process';
import { startTsProcess, stopProcess } from '../../helpers/child-process';
import { REPO_ROOT } from '../../helpers/paths';
import { tempDir } from '../../helpers/temp-dir';

const HOLDER = path.join(REPO_ROOT, 'tests', 'helpers', 'hold-project-lock.ts');
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => stopProcess(child)));
});

function newProject(): string {
  const dir = path.join(tempDir(), 'proj');
  createProject(dir, { name: 'proj', createdBy: 'test' }).close();
  return dir;
}

describe('one writer per project', () => {
  it('refuses a second process that opens the project for writing, naming the holder', async () => {
    const dir = newProject();
    const { child, match } = await startTsProcess(HOLDER, [dir], /locked (\d+)/);
    children.push(child);
    const holderPid = match[1] ?? '';
    let refusal: unknown;
    try {
      openProject(dir, { mode: 'write' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'PROJECT_LOCKED' });
    expect((refusal as Error).message).toContain(`process ${holderPid}`);
    // Reading needs no lock and still works.
    const reader = openProject(dir, { mode: 'read' });
    expect(reader.meta.name).toBe('proj');
    reader.close();
    // Once the holder exits, writing works again.
    await stopProcess(child);
    const writer = openProject(dir, { mode: 'write' });
    expect(writer.writable).toBe(true);
    writer.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock left by a process that died on this host', () => {
    const dir = newProject();
    fs.writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        hostname: os.hostname(),
        token: 'dead',
        purpose: 'crashed',
        acquiredAt: '2026-01-01',
      }),
    );
    const project = openProject(dir, { mode: 'write' });
    expect(project.writable).toBe(true);
    project.close();
  });

  it('does not take over a lock held from another host', () => {
    const dir = newProject();
    fs.writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: 1, hostname: 'gpu-box-7', token: 't', purpose: 'training', acquiredAt: '2026-01-01' }),
    );
    expect(() => openProject(dir, { mode: 'write' })).toThrow(/gpu-box-7/);
  });

  it('lets a worker write under its host process lock with the token, and refuses a wrong token', () => {
    const dir = newProject();
    const lock = acquireProjectLock(dir, 'job');
    const worker = openProject(dir, { mode: 'write', lockToken: lock.token });
    expect(worker.writable).toBe(true);
    worker.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true); // the worker never releases its host's lock
    expect(() => openProject(dir, { mode: 'write', lockToken: 'forged' })).toThrow(
      expect.objectContaining({ code: 'PROJECT_LOCKED' }),
    );
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});
