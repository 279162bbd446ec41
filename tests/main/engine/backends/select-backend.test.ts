import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { tf } from '../../../../src/main/engine/tf';
import type { BackendCandidate } from '../../../../src/main/engine/backends/backend-candidate';
import { cpuCandidate } from '../../../../src/main/engine/backends/cpu-candidate';
import { releaseBackends, selectBackend } from '../../../../src/main/engine/backends/select-backend';
import { tensorflowCandidate } from '../../../../src/main/engine/backends/tensorflow-candidate';

afterEach(async () => {
  await releaseBackends();
});

/**
 * A backend that is the CPU backend with every kernel, except that Conv3D's output is scaled and
 * shifted: it loads fine and runs everything, so only the self-test can catch it.
 */
function brokenCandidate(name = 'broken-test'): BackendCandidate {
  return {
    name,
    load() {
      if (tf.findBackendFactory(name) === null) {
        tf.registerBackend(name, () => new MathBackendCPU(), 0);
        for (const kernel of tf.getKernelsForBackend('cpu')) {
          if (kernel.kernelName !== 'Conv3D') {
            tf.registerKernel({ ...kernel, backendName: name });
            continue;
          }
          tf.registerKernel({
            ...kernel,
            backendName: name,
            kernelFunc: (args) => {
              const out = kernel.kernelFunc(args) as tf.TensorInfo;
              const backend = args.backend as MathBackendCPU;
              const values = Float32Array.from(backend.readSync(out.dataId) as Float32Array, (v) => v * 1.01 + 0.1);
              backend.disposeData(out.dataId);
              return backend.makeTensorInfo(out.shape, 'float32', values);
            },
          });
        }
      }
      return Promise.resolve({ dispose: () => Promise.resolve() });
    },
  };
}

describe('selectBackend', () => {
  it('uses cpu when asked, without loading the other backends', async () => {
    const report = await selectBackend({ force: 'cpu' });
    expect(report.chosen).toBe('cpu');
    expect(report.forced).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
    const cpu = report.candidates.find((c) => c.name === 'cpu');
    expect(cpu?.selfTest?.passed).toBe(true);
    expect(cpu?.selfTest?.maxAbsError).toBe(0);
    for (const other of report.candidates.filter((c) => c.name !== 'cpu')) {
      expect(other).toMatchObject({ tried: false, available: false, selfTest: null });
      expect(other.reason).toMatch(/--backend cpu was asked for/);
    }
    // Forcing cpu never loaded Dawn or tfjs-backend-webgpu (which would register 'webgpu').
    expect(tf.findBackendFactory('webgpu')).toBeNull();
  });

  it('rejects an unknown backend name with the choices', async () => {
    const error: unknown = await selectBackend({ force: 'cuda' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/no backend "cuda".*tensorflow, webgpu, wasm, cpu/);
  });

  it('says why a forced tensorflow backend cannot be used and how to get it', async () => {
    const error: unknown = await selectBackend({ force: 'tensorflow' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as UserError).message;
    expect(message).toMatch(/tensorflow backend cannot be used/);
    expect(message).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(message).toMatch(/npm install @tensorflow\/tfjs-node-gpu/);
    expect(process.env['TF_FORCE_GPU_ALLOW_GROWTH']).toBe('true');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reports that tfjs-node loaded when it is installed (stand-in importer)', async () => {
    const imported: string[] = [];
    const candidate = tensorflowCandidate((specifier) => {
      imported.push(specifier);
      return Promise.reject(
        Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' }),
      );
    });
    const report = await selectBackend({ candidates: [candidate, cpuCandidate()] });
    expect(imported).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(report.chosen).toBe('cpu');
    expect(report.candidates[0]).toMatchObject({ name: 'tensorflow', tried: true, available: false, selfTest: null });
  });

  it('rejects a backend whose results are wrong, with the reason, and falls back', async () => {
    const report = await selectBackend({ candidates: [brokenCandidate(), cpuCandidate()] });
    expect(report.chosen).toBe('cpu');
    const broken = report.candidates[0];
    expect(broken).toMatchObject({ name: 'broken-test', tried: true, available: true });
    expect(broken?.selfTest?.passed).toBe(false);
    expect(broken?.selfTest?.maxAbsError).toBeGreaterThan(0.05);
    expect(broken?.reason).toMatch(/rejected: its results differ.*\(conv3d\[/);
    expect(report.candidates[1]?.reason).toMatch(/^chosen/);
  });

  it('fails loudly when the broken backend is forced', async () => {
    await expect(
      selectBackend({ force: 'broken-test', candidates: [brokenCandidate(), cpuCandidate()] }),
    ).rejects.toThrow(/broken-test backend cannot be used: rejected: its results differ/);
  });

  it('lists every candidate with a reason when probing all', async () => {
    const report = await selectBackend({ probeAll: true });
    expect(report.candidates.map((c) => c.name)).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
    for (const candidate of report.candidates) {
      expect(candidate.tried).toBe(true);
      expect(candidate.reason.length).toBeGreaterThan(10);
      if (candidate.selfTest) expect(candidate.selfTest.ms).toBeGreaterThan(0);
    }
    expect(report.candidates.find((c) => c.name === report.chosen)?.reason).toMatch(/^chosen/);
    const wasm = report.candidates.find((c) => c.name === 'wasm');
    expect(wasm?.available).toBe(true);
    expect(wasm?.device?.details['simd']).toBe(true);
  });

  it('stops at the first backend that passes unless asked to probe all', async () => {
    const report = await selectBackend({ candidates: [cpuCandidate(), brokenCandidate()] });
    expect(report.chosen).toBe('cpu');
    expect(report.candidates[1]).toMatchObject({ tried: false, reason: 'not tried: cpu was chosen first' });
  });
});
