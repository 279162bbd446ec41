import { createApiClient, type ApiClient } from '../../src/shared/api/client';
import { createInProcessBridge } from '../../src/main/api/in-process-bridge';
import { createNodeWorkerLauncher } from '../../src/main/jobs/node-worker-launcher';
import { createWorkbench, type Workbench } from '../../src/main/services/workbench';
import { tempDir } from './temp-dir';

/** A real workbench on a fresh data folder, with real worker processes. */
export function testWorkbench(options: { dataDir?: string; cancelGraceMs?: number } = {}): Workbench {
  return createWorkbench({
    dataDir: options.dataDir ?? tempDir('ctvlm-data-'),
    mode: 'web',
    launcher: createNodeWorkerLauncher(),
    cancelGraceMs: options.cancelGraceMs ?? 10_000,
  });
}

/** Run `use` with the typed API client of a real workbench (on `dataDir`, or a fresh one), then close it. */
export async function withApiClient<T>(use: (api: ApiClient) => Promise<T>, dataDir?: string): Promise<T> {
  const workbench = testWorkbench(dataDir ? { dataDir } : {});
  try {
    return await use(createApiClient(createInProcessBridge(workbench.dispatcher, workbench.events)));
  } finally {
    await workbench.close();
  }
}
