/**
 * One writer per project. A lock file (project.lock) names the process that writes; a
 * second process that wants to write is refused with who holds it. The holder can hand
 * its token to a worker process it started, which then writes under the same lock.
 * A lock left by a process that died on this host is taken over.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../shared/errors';

export const LOCK_FILE = 'project.lock';

interface LockRecord {
  pid: number;
  hostname: string;
  token: string;
  purpose: string;
  acquiredAt: string;
}

export interface ProjectLock {
  readonly token: string;
  readonly owned: boolean;
  release(): void;
}

const held = new Map<string, { token: string; count: number }>();
let exitHookInstalled = false;

/** Take the write lock of the project folder `dir`, or join it with a token from its holder. */
export function acquireProjectLock(dir: string, purpose: string, joinToken?: string): ProjectLock {
  const file = path.join(dir, LOCK_FILE);
  if (joinToken) {
    const record = readLock(file);
    if (record?.token !== joinToken) {
      throw new UserError(
        'PROJECT_LOCKED',
        `The write lock of ${dir} was released or taken by another process; start the work again.`,
      );
    }
    return { token: joinToken, owned: false, release: () => undefined };
  }

  const mine = held.get(file);
  if (mine) {
    mine.count += 1;
    return { token: mine.token, owned: true, release: () => releaseHeld(file) };
  }

  const record: LockRecord = {
    pid: process.pid,
    hostname: os.hostname(),
    token: randomBytes(16).toString('hex'),
    purpose,
    acquiredAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, JSON.stringify(record), { flag: 'wx' });
      held.set(file, { token: record.token, count: 1 });
      installExitHook();
      return { token: record.token, owned: true, release: () => releaseHeld(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UserError('IO_ERROR', `Cannot write the lock file ${file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const holder = readLock(file);
      if (isStale(file, holder)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      throw lockedError(dir, holder);
    }
  }
  throw lockedError(dir, readLock(file));
}

function lockedError(dir: string, holder: LockRecord | null): UserError {
  const who = holder
    ? `process ${holder.pid} on ${holder.hostname} (${holder.purpose}, since ${holder.acquiredAt})`
    : 'another process';
  return new UserError(
    'PROJECT_LOCKED',
    `The project ${dir} is open for writing by ${who}. Only one process may write to a project: wait for it to finish or stop it, then try again.`,
  );
}

function readLock(file: string): LockRecord | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockRecord>;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.hostname === 'string') {
      return {
        pid: parsed.pid,
        hostname: parsed.hostname,
        token: parsed.token,
        purpose: String(parsed.purpose ?? 'unknown'),
        acquiredAt: String(parsed.acquiredAt ?? 'unknown'),
      };
    }
    return null;
  } catch {
    return null;
  }
}

function isStale(file: string, holder: LockRecord | null): boolean {
  if (!holder) {
    // Unreadable: a writer may be between create and write; only old files are stale.
    try {
      return Date.now() - fs.statSync(file).mtimeMs > 10_000;
    } catch {
      return true;
    }
  }
  if (holder.hostname !== os.hostname()) return false; // cannot see processes on other hosts
  if (holder.pid === process.pid) return !held.has(file);
  return !processAlive(holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseHeld(file: string): void {
  const mine = held.get(file);
  if (!mine) return;
  mine.count -= 1;
  if (mine.count > 0) return;
  held.delete(file);
  if (readLock(file)?.token === mine.token) fs.rmSync(file, { force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [file, mine] of held) {
      try {
        if (readLock(file)?.token === mine.token) fs.rmSync(file, { force: true });
      } catch {
        // the process is ending; a lock left behind is detected as stale next time
      }
    }
  });
}
