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
