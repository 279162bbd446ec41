/**
 * The implicit-GEMM Conv3D kernels at their limits: a forward whose 65,536 output tiles exceed
 * WebGPU's 65,535 workgroups per dimension (the grid is folded into x and y; checked against
 * exact products), registering / restoring (idempotent; tfjs's own kernels are back and run
 * afterwards), and (no GPU needed) that grad input's stride phases partition the voxels and taps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isImplicitGemmConv3dRegistered,
  registerImplicitGemmConv3d,
  restoreOriginalConv3d,
} from '../../../../../src/main/engine/backends/webgpu-kernels/conv3d-kernels';
import { tf } from '../../../../../src/main/engine/tf';
import { expectNoTensorLeak } from '../../../../helpers/tensor-leaks';
import { loadWebgpuForTests } from '../../../../helpers/webgpu-backend';
import { stridePhases } from '../../../../../src/main/engine/backends/webgpu-kernels/conv3d-grad-input-program';
import { randomValues, recordPrograms, type Shape5 } from './conv3d-cases';

const { loaded, unavailable, required } = await loadWebgpuForTests('conv3d-implicit-gemm-limits.test');

describe('implicit-GEMM Conv3D kernels at their limits (webgpu)', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  let restore = (): void => {};
  beforeAll(() => {
    if (loaded) restore = registerImplicitGemmConv3d();
  });
  afterAll(() => restore());

  it.skipIf(!loaded)(
    'runs a forward needing 65,536 workgroups (a grid folded into x and y)',
    async () => {
      const shape: Shape5 = [1, 64, 256, 256, 1]; // 4,194,304 output rows = 65,536 tiles of 64
      const values = randomValues(tf.util.sizeFromShape(shape), 3);
      await tf.setBackend('webgpu');
      const { result: got, dispatches } = await recordPrograms(() =>
        expectNoTensorLeak(async () => {
          const x = tf.tensor5d(values, shape);
          const w = tf.tensor5d([1.5], [1, 1, 1, 1, 1]);
          const y = tf.conv3d(x, w, 1, 'valid');
          const data = (await y.data()) as Float32Array;
          tf.dispose([x, w, y]);
          return data;
        }),
      );
      expect(dispatches).toContainEqual([32_768, 2, 1]);
      expect(got.length).toBe(values.length);
      let mismatches = 0;
      for (let i = 0; i < values.length; i += 1) if (got[i] !== Math.fround((values[i] ?? 0) * 1.5)) mismatches += 1;
      expect(mismatches).toBe(0);
    },
    60_000,
  );

  it.skipIf(!loaded)('registers idempotently and puts tfjs kernels back on restore', async () => {
    restore();
    expect(isImplicitGemmConv3dRegistered()).toBe(false);
    const originals = ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'].map(
      (name) => tf.getKernel(name, 'webgpu')?.kernelFunc,
    );
    const first = registerImplicitGemmConv3d();
    const wrapped = tf.getKernel('Conv3D', 'webgpu')?.kernelFunc;
    expect(wrapped).not.toBe(originals[0]);
    expect(registerImplicitGemmConv3d()).toBe(first);
    expect(tf.getKernel('Conv3D', 'webgpu')?.kernelFunc).toBe(wrapped);
    first();
    first();
    restoreOriginalConv3d();
    expect(isImplicitGemmConv3dRegistered()).toBe(false);
    const restored = ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'].map(
      (name) => tf.getKernel(name, 'webgpu')?.kernelFunc,
    );
    expect(restored).toEqual(originals);
    await tf.setBackend('webgpu');
    const { keys } = await recordPrograms(() =>
      expectNoTensorLeak(async () => {
        const x = tf.ones<tf.Rank.R5>([1, 3, 3, 3, 1]);
        const w = tf.ones<tf.Rank.R5>([2, 2, 2, 1, 1]);
        const y = tf.conv3d(x, w, 1, 'valid');
        expect(Array.from(await y.data())).toEqual(Array(8).fill(8));
        tf.dispose([x, w, y]);
      }),
    );
    expect(keys.some((k) => k.startsWith('conv3dGemm'))).toBe(false);
    restore = registerImplicitGemmConv3d();
  });
});

describe('stridePhases (grad input per stride phase)', () => {
  it.each([
    [
      [5, 6, 7],
      [3, 3, 3],
      [2, 2, 2],
      [1, 1, 1],
    ],
    [
      [1, 9, 4],
      [7, 1, 3],
      [3, 1, 2],
      [3, 0, 2],
    ],
    [
      [8, 8, 8],
      [1, 1, 1],
      [2, 2, 2],
      [0, 0, 0],
    ],
  ] as [number, number, number][][])(
    'volume %j kernel %j strides %j pads %j: every voxel in one phase, with exactly its taps',
    (volume, kernel, strides, pads) => {
      const phases = stridePhases(volume, kernel, strides, pads);
      expect(phases.length).toBe((strides[0] ?? 1) * (strides[1] ?? 1) * (strides[2] ?? 1));
      for (let axis = 0; axis < 3; axis += 1) {
        const [size, k, s, p] = [volume[axis] ?? 1, kernel[axis] ?? 1, strides[axis] ?? 1, pads[axis] ?? 0];
        const seen = new Array<number>(size).fill(0);
        const byResidue = new Map(phases.map((ph) => [ph.residue[axis], ph]));
        for (const ph of byResidue.values()) {
          const start = ph.start[axis] ?? 0;
          for (let i = 0; i < (ph.rows[axis] ?? 0); i += 1) {
            const voxel = start + i * s;
            seen[voxel] = (seen[voxel] ?? 0) + 1;
            expect((voxel + p) % s).toBe(ph.residue[axis]);
          }
          const taps = Array.from({ length: k }, (_, t) => t).filter((t) => t % s === ph.residue[axis]);
          expect(ph.taps[axis]).toBe(taps.length);
        }
        expect(seen.every((count) => count === 1)).toBe(true);
      }
    },
  );
});
