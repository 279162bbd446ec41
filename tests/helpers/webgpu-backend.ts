/**
 * Loads the WebGPU backend (Dawn) for a test file, and registers its disposal. In CI
 * CTVLM_REQUIRE_WEBGPU=1 is set, so tests use `required` to fail instead of skipping when no
 * adapter exists; elsewhere a missing adapter skips, saying why.
 */
import { afterAll } from 'vitest';
import { messageOf, type LoadedBackend } from '../../src/main/engine/backends/backend-candidate';
import { webgpuCandidate } from '../../src/main/engine/backends/webgpu-candidate';
import { tf } from '../../src/main/engine/tf';

export interface WebgpuForTests {
  loaded: LoadedBackend | null;
  unavailable: string;
  required: boolean;
}

export async function loadWebgpuForTests(label: string): Promise<WebgpuForTests> {
  const required = (process.env['CTVLM_REQUIRE_WEBGPU'] ?? '') !== '';
  let loaded: LoadedBackend | null = null;
  let unavailable = '';
  try {
    loaded = await webgpuCandidate().load();
  } catch (error) {
    unavailable = messageOf(error);
  }
  if (!loaded && !required) {
    console.warn(`[${label}] skipped: ${unavailable} (set CTVLM_REQUIRE_WEBGPU=1 to make this a failure)`);
  }
  afterAll(async () => {
    await tf.setBackend('cpu');
    await loaded?.dispose(); // destroys the GPUDevice and drops the backend, so the worker can exit
  });
  return { loaded, unavailable, required };
}
