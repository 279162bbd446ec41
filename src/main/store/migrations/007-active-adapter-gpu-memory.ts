import type { Migration } from '../migrate';

/**
 * A project remembers its active adapter (at most one; the default model of evaluations and
 * Grad-CAM when none is named), which goes with its row when the adapter is deleted; and each
 * training epoch records the peak bytes the GPU backend held (null on a CPU or wasm backend).
 */
export const migration007ActiveAdapterGpuMemory: Migration = {
  version: 7,
  name: 'active-adapter-gpu-memory',
  up(db) {
    db.exec(`
      ALTER TABLE adapters ADD COLUMN active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1));
      CREATE UNIQUE INDEX adapters_active ON adapters(active) WHERE active = 1;
      ALTER TABLE run_epochs ADD COLUMN peak_gpu_bytes INTEGER;
    `);
  },
};
