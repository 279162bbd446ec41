import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../src/shared/api/client';
import { projectDatabase } from '../../../src/main/store/project-schema';
import { projectDbPath } from '../../../src/main/store/project-store';
import { tempDir } from '../../helpers/temp-dir';
import { withApiClient } from '../../helpers/workbench';

/** The typed API of a real workbench on `dataDir`. */
function withClient<T>(dataDir: string, use: (api: ApiClient) => Promise<T>): Promise<T> {
  return withApiClient(use, dataDir);
}

describe('projects through the API', () => {
  it('creates projects under the data folder and still lists them after a restart, most recent first', async () => {
    const dataDir = tempDir();
    const [first, second] = await withClient(dataDir, async (api) => [
      await api.invoke('projects.create', { name: 'Liver HCC' }),
      await api.invoke('projects.create', { name: 'Chest CT-RATE' }),
    ]);
    expect(first?.path).toBe(path.join(dataDir, 'projects', 'Liver HCC'));
    await new Promise((resolve) => setTimeout(resolve, 5)); // timestamps have millisecond resolution
    const listed = await withClient(dataDir, async (api) => {
      await api.invoke('projects.get', { projectId: first?.id ?? '' }); // opening makes it the most recent
      return (await api.invoke('projects.list', {})).projects;
    });
    expect(listed.map((p) => p.name)).toEqual(['Liver HCC', 'Chest CT-RATE']);
    expect(listed.every((p) => p.status === 'ok')).toBe(true);
    expect(second?.id).not.toBe(first?.id);
  });

  it('refuses a second project with the same name and folder', async () => {
    await withClient(tempDir(), async (api) => {
      await api.invoke('projects.create', { name: 'Same' });
      await expect(api.invoke('projects.create', { name: 'Same' })).rejects.toMatchObject({ code: 'PROJECT_EXISTS' });
    });
  });

  it('lists a damaged or deleted project with its problem instead of failing the whole list', async () => {
    await withClient(tempDir(), async (api) => {
      const good = await api.invoke('projects.create', { name: 'Good' });
      const damaged = await api.invoke('projects.create', { name: 'Damaged' });
      const gone = await api.invoke('projects.create', { name: 'Gone' });
      fs.writeFileSync(projectDbPath(damaged.path), 'overwritten by a careless script');
      fs.rmSync(gone.path, { recursive: true });
      const byName = new Map((await api.invoke('projects.list', {})).projects.map((p) => [p.name, p]));
      expect(byName.get('Good')).toMatchObject({ status: 'ok', error: null });
      expect(byName.get('Damaged')).toMatchObject({ status: 'error', error: { code: 'PROJECT_CORRUPT' } });
      expect(byName.get('Damaged')?.error?.message).toContain(projectDbPath(damaged.path));
      expect(byName.get('Gone')).toMatchObject({ status: 'missing' });
      await expect(api.invoke('projects.get', { projectId: damaged.id })).rejects.toMatchObject({
        code: 'PROJECT_CORRUPT',
      });
      expect(fs.readFileSync(projectDbPath(damaged.path), 'utf8')).toBe('overwritten by a careless script');
      expect(good.status).toBe('ok');
    });
  });

  it('adds an existing project folder by path and forgets it without touching the folder', async () => {
    const elsewhere = tempDir();
    const created = await withClient(tempDir(), (api) =>
      api.invoke('projects.create', { name: 'Portable', directory: elsewhere }),
    );
    await withClient(tempDir(), async (api) => {
      const added = await api.invoke('projects.add', { path: created.path });
      expect(added.id).toBe(created.id);
      const again = await api.invoke('projects.add', { path: created.path });
      expect((await api.invoke('projects.list', {})).projects).toHaveLength(1);
      expect(again.id).toBe(created.id);
      expect(await api.invoke('projects.forget', { projectId: created.id })).toEqual({ forgotten: true });
      expect((await api.invoke('projects.list', {})).projects).toEqual([]);
      expect(fs.existsSync(projectDbPath(created.path))).toBe(true);
      await expect(api.invoke('projects.add', { path: elsewhere })).rejects.toMatchObject({
        code: 'PROJECT_NOT_FOUND',
      });
    });
  });

  it('describes a project: counts, datasets and a page of studies', async () => {
    await withClient(tempDir(), async (api) => {
      const created = await api.invoke('projects.create', { name: 'Empty' });
      const detail = await api.invoke('projects.get', { projectId: created.id });
      expect(detail.counts).toEqual({ datasets: 0, studies: 0, reports: 0, runs: 0, adapters: 0, evaluations: 0 });
      expect(detail.schemaVersion).toBe(projectDatabase.migrations.length);
      expect(await api.invoke('studies.list', { projectId: created.id })).toEqual({ total: 0, studies: [] });
      await expect(
        api.invoke('projects.get', { projectId: '00000000-0000-4000-8000-000000000000' }),
      ).rejects.toMatchObject({
        code: 'PROJECT_NOT_FOUND',
      });
    });
  });
});
