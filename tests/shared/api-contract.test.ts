import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/shared/api/client';
import { events, EVENT_NAMES } from '../../src/shared/api/events';
import { ROUTE_NAMES, routes } from '../../src/shared/api/routes';
import { UserError } from '../../src/shared/errors';
import { createDispatcher, type RouteHandlers } from '../../src/main/api/dispatcher';
import { EventHub } from '../../src/main/api/event-hub';
import { createInProcessBridge } from '../../src/main/api/in-process-bridge';

const PROJECT_ID = '5f0c8a1e-2b3c-4d5e-8f90-123456789abc';
const summary = {
  id: PROJECT_ID,
  name: 'Liver',
  path: '/tmp/liver',
  isDemo: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastOpenedAt: '2026-01-01T00:00:00.000Z',
  status: 'ok' as const,
  error: null,
};

function handlers(overrides: Partial<RouteHandlers> = {}): RouteHandlers {
  const unused = (): never => {
    throw new Error('not called in this test');
  };
  return {
    'app.info': () => ({ name: 'x', version: '1', mode: 'cli', dataDir: '/d', platform: 'linux', nodeVersion: '20' }),
    'system.doctor': unused,
    'projects.list': () => ({ projects: [summary] }),
    'projects.create': ({ name }) => ({ ...summary, name }),
    'projects.add': unused,
    'projects.forget': unused,
    'projects.get': unused,
    'studies.list': ({ limit, offset }) => ({ total: limit + offset, studies: [] }),
    'studies.get': unused,
    'datasets.import': unused,
    'datasets.errors': unused,
    'demo.ensure': unused,
    'jobs.list': () => ({ jobs: [] }),
    'jobs.cancel': unused,
    'adapters.list': unused,
    'adapters.import': unused,
    'adapters.fromRun': unused,
    'adapters.export': unused,
    'adapters.delete': unused,
    'adapters.activate': unused,
    'adapters.merge': unused,
    'models.base': unused,
    'models.setBase': unused,
    'models.import': unused,
    'models.list': () => ({ models: [] }),
    'evaluations.tasks': unused,
    'evaluations.start': unused,
    'evaluations.list': unused,
    'evaluations.get': unused,
    'evaluations.predictions': unused,
    'evaluations.projection': unused,
    'evaluations.similarity': unused,
    'gradcam.start': unused,
    'gradcam.list': unused,
    'demo.adapt': unused,
    'runs.start': unused,
    'runs.resume': unused,
    'runs.list': unused,
    'runs.get': unused,
    'sweeps.start': unused,
    'sweeps.table': unused,
    'ollama.settings': unused,
    'ollama.configure': unused,
    'ollama.status': unused,
    'ollama.pull': unused,
    'extraction.start': unused,
    'extraction.list': unused,
    'extraction.get': unused,
    'extraction.review': unused,
    'extraction.edit': unused,
    'extraction.agreement': unused,
    'extraction.export': unused,
    ...overrides,
  };
}

describe('API contract', () => {
  it('has an input schema, an output schema and a summary for every route', () => {
    expect(ROUTE_NAMES.length).toBeGreaterThan(5);
    for (const name of ROUTE_NAMES) {
      expect(routes[name].summary.length, name).toBeGreaterThan(10);
      expect(typeof routes[name].input.safeParse, name).toBe('function');
      expect(typeof routes[name].output.safeParse, name).toBe('function');
    }
    expect(EVENT_NAMES).toEqual(Object.keys(events));
  });

  it('rejects an unknown route with UNKNOWN_ROUTE', async () => {
    const result = await createDispatcher(handlers()).invoke('projects.drop', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ROUTE', kind: 'user' } });
  });

  it.each([
    ['a number where a string is expected', 'projects.create', { name: 42 }],
    ['a missing required field', 'projects.create', {}],
    ['an unexpected extra field', 'projects.create', { name: 'ok', sql: 'DROP TABLE' }],
    ['a name with a path separator', 'projects.create', { name: '../escape' }],
    ['an empty name', 'projects.create', { name: '   ' }],
    ['a project id that is not a uuid', 'projects.get', { projectId: "1' OR 1=1" }],
    ['a negative offset', 'studies.list', { projectId: PROJECT_ID, offset: -1 }],
    ['a limit above the maximum', 'studies.list', { projectId: PROJECT_ID, limit: 100000 }],
    ['an input that is not an object', 'jobs.list', 'everything'],
    ['an unknown model architecture', 'models.import', { file: '/m/merlin.pt', arch: 'resnet' }],
    ['a model import without a file', 'models.import', { arch: 'ctclip' }],
  ])('rejects %s with INVALID_INPUT naming the field', async (_what, route, input) => {
    const result = await createDispatcher(handlers()).invoke(route, input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_INPUT');
      expect(result.error.message).toContain(route);
    }
  });

  it('passes parsed input (with defaults) to the handler and returns its output', async () => {
    const result = await createDispatcher(handlers()).invoke('studies.list', { projectId: PROJECT_ID });
    expect(result).toEqual({ ok: true, data: { total: 100, studies: [] } });
  });

  it('turns a handler output that breaks the contract into a bug error, never bad data', async () => {
    const broken = handlers({ 'projects.list': () => ({ projects: [{ ...summary, status: 'fine' as 'ok' }] }) });
    const result = await createDispatcher(broken).invoke('projects.list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL', kind: 'bug' } });
  });

  it('carries a typed UserError from a handler across as its code and message', async () => {
    const failing = handlers({
      'projects.create': () => {
        throw new UserError('PROJECT_EXISTS', '/tmp/liver already holds a project');
      },
    });
    const result = await createDispatcher(failing).invoke('projects.create', { name: 'Liver' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'PROJECT_EXISTS', kind: 'user', message: '/tmp/liver already holds a project' },
    });
  });

  it('gives the typed client parsed outputs, typed errors, and only valid events', async () => {
    const hub = new EventHub();
    const client = createApiClient(createInProcessBridge(createDispatcher(handlers()), hub));
    await expect(client.invoke('projects.create', { name: 'Kidney' })).resolves.toMatchObject({ name: 'Kidney' });
    await expect(client.invoke('projects.create', { name: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    const seen: unknown[] = [];
    const off = client.on('job.progress', (payload) => seen.push(payload));
    const good = {
      jobId: 'j1',
      kind: 'demo.build' as const,
      projectId: null,
      done: 1,
      total: 2,
      etaSeconds: 3,
      message: 'half',
    };
    hub.emit('job.progress', good);
    hub.emit('job.progress', { ...good, done: -5 }); // breaks the contract: dropped
    off();
    hub.emit('job.progress', good); // after unsubscribe: not seen
    expect(seen).toEqual([good]);
  });
});
