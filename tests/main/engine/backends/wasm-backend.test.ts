/**
 * The wasm backend: it loads from node_modules under Node (SIMD, one thread) and its conv3d forward,
 * filter gradient and matmul match the CPU backend. Its Conv3DBackpropInputV2 kernel (the gradient
 * with respect to the input) is wrong in tfjs-backend-wasm 4.22: only the first depth slice is
 * computed. The self-test catches that, so forcing wasm is refused with the reason.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { tf } from '../../../../src/main/engine/tf';
import {
  OUTPUT_NAMES,
  compareOutputs,
  makeInputs,
  runWorkload,
  type OutputName,
} from '../../../../src/main/engine/backends/self-test';
import { releaseBackends, selectBackend } from '../../../../src/main/engine/backends/select-backend';
import { wasmCandidate } from '../../../../src/main/engine/backends/wasm-candidate';

afterAll(async () => {
  await releaseBackends();
});

function agreement(
  name: OutputName,
  expected: Record<OutputName, Float32Array>,
  actual: Record<OutputName, Float32Array>,
) {
  // Compare one output alone: every other output is taken from `actual` on both sides.
  return compareOutputs({ ...actual, [name]: expected[name] }, actual);
}

describe('wasm backend', () => {
  it('loads its .wasm files from node_modules and reports SIMD', async () => {
    const loaded = await wasmCandidate().load();
    expect(tf.getBackend()).toBe('wasm');
    expect(loaded.device?.details).toMatchObject({ simd: true, threads: false });
    expect(String(loaded.device?.details['folder'])).toMatch(/tfjs-backend-wasm[\\/]dist[\\/]$/);
  });

  it('matches cpu for conv3d forward, the filter gradient and matmul', async () => {
    await wasmCandidate().load();
    const inputs = makeInputs();
    const cpu = await runWorkload('cpu', inputs);
    const wasm = await runWorkload('wasm', inputs);
    for (const name of ['conv3d', 'conv3dGradFilter', 'matmul'] as const) {
      const result = agreement(name, cpu, wasm);
      expect(result.passed, `${name}: max error ${result.maxAbsError}`).toBe(true);
      expect(result.maxAbsError).toBeLessThan(1e-4);
    }
    expect(OUTPUT_NAMES).toContain('conv3dGradInput');
  });

  it('has a wrong conv3d input gradient in tfjs-backend-wasm 4.22 (depth slices after the first are zero)', async () => {
    await wasmCandidate().load();
    const gradient = async (backend: string): Promise<number[]> => {
      await tf.setBackend(backend);
      const dx = tf.tidy(() =>
        tf.conv3dTranspose(
          tf.ones<tf.Rank.R5>([1, 2, 2, 2, 1]),
          tf.ones<tf.Rank.R5>([1, 1, 1, 1, 1]),
          [1, 2, 2, 2, 1],
          1,
          'same',
        ),
      );
      const values = Array.from(await dx.data());
      dx.dispose();
      return values;
    };
    expect(await gradient('cpu')).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // If this starts to fail, the upstream kernel was fixed: wasm will pass its self-test again.
    expect(await gradient('wasm')).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('refuses a forced wasm backend, naming the failing gradient', async () => {
    const error: unknown = await selectBackend({ force: 'wasm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/wasm backend cannot be used: rejected.*conv3dGradInput\[/);
    expect(tf.getBackend()).toBe('cpu');
  });
});
