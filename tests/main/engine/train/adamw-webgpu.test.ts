/**
 * AdamW's fused WebGPU update (adamw-webgpu.ts: two dispatches per parameter) against the composite
 * update on the cpu backend: the same parameters, gradients and learning rates for several steps
 * give the same parameters and moments. In CI Dawn runs on Mesa's lavapipe (CTVLM_REQUIRE_WEBGPU=1).
 *
 * Tolerance 1e-6 absolute on parameters and moments of order 1: both paths do the same float32
 * operations in the same order; only a compiler's fused multiply-add may change the last bit of a
 * step, while a wrong constant, index or moment shows as at least lr = 1e-2 x 1e-2.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tf, type Variable } from '../../../../src/main/engine/tf';
import { AdamW, decays, type AdamWParameter, type AdamWState } from '../../../../src/main/engine/train/adamw';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('adamw-webgpu.test');

const SETTINGS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05 };
const LEARNING_RATES = [1e-2, 5e-3, 2e-3];
/**
 * A matrix, a 5-D conv kernel (decayed), a vector, a scalar, and a vector whose packed moments
 * (2n) need more than 65,535 workgroups of 128 (so tfjs folds the grid into two dimensions).
 */
const SHAPES: Array<[string, number[]]> = [
  ['weight', [7, 5]],
  ['conv', [3, 2, 3, 1, 3]],
  ['bias', [9]],
  ['temperature', []],
  ['large', [4_200_001]],
];

const live: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const item of live.splice(0)) item.dispose();
});

const value = (seed: number, i: number): number => Math.sin(seed * 12.9898 + i * 78.233) * 0.5;

function makeParameters(): AdamWParameter[] {
  return SHAPES.map(([name, shape], k) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const variable: Variable = tf.tidy(() =>
      tf.variable(
        tf.tensor(
          Float32Array.from({ length: size }, (_, i) => value(k + 1, i)),
          shape,
        ),
      ),
    );
    live.push(variable);
    return { name, variable, decay: decays(variable) };
  });
}

/** The step's gradients, each value multiplied by `times` in float32 (as tf.mul would). */
function gradients(parameters: readonly AdamWParameter[], step: number, times = 1): Map<string, tf.Tensor> {
  const factor = Math.fround(times);
  return new Map(
    parameters.map(({ name, variable }, k) => [
      name,
      tf.tensor(
        Float32Array.from({ length: variable.size }, (_, i) => Math.fround(value(100 * step + k + 7, i)) * factor),
        variable.shape,
      ),
    ]),
  );
}

/**
 * Three steps on `backend`; `scale.apply` is AdamW.apply's gradientScale, `scale.premultiply` a
 * factor the gradients are given already multiplied by.
 */
async function train(
  backend: string,
  scale: { apply?: number; premultiply?: number } = {},
): Promise<{ params: Map<string, Float32Array>; state: AdamWState; dispatches: number }> {
  await tf.setBackend(backend);
  const parameters = makeParameters();
  const optimizer = new AdamW(parameters, SETTINGS);
  live.push(optimizer);
  const counter = countPrograms();
  for (const [step, lr] of LEARNING_RATES.entries()) {
    const grads = gradients(parameters, step, scale.premultiply);
    optimizer.apply(grads, lr, scale.apply);
    tf.dispose([...grads.values()]);
  }
  const dispatches = counter.stop();
  const params = new Map<string, Float32Array>();
  for (const { name, variable } of parameters) params.set(name, (await variable.data()) as Float32Array);
  return { params, state: await optimizer.exportState(), dispatches };
}

/** Counts runWebGPUProgram calls on the current backend (0 on cpu). */
function countPrograms(): { stop(): number } {
  const backend = tf.backend();
  const original: unknown = Reflect.get(backend, 'runWebGPUProgram');
  if (typeof original !== 'function') return { stop: () => 0 };
  let count = 0;
  Reflect.set(backend, 'runWebGPUProgram', (...args: unknown[]): unknown => {
    count += 1;
    return (original as (...a: unknown[]) => unknown).apply(backend, args);
  });
  return {
    stop() {
      Reflect.deleteProperty(backend, 'runWebGPUProgram'); // back to the prototype's method
      return count;
    },
  };
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('AdamW on webgpu', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it.skipIf(!loaded)(
    'updates parameters and moments as the cpu composite does, in two dispatches per parameter',
    async () => {
      const cpu = await train('cpu');
      for (const item of live.splice(0)) item.dispose();
      const before = tf.memory().numTensors;
      const gpu = await train('webgpu');
      for (const item of live.splice(0)) item.dispose();
      expect(tf.memory().numTensors).toBe(before);

      expect(gpu.dispatches).toBe(2 * SHAPES.length * LEARNING_RATES.length);
      expect(gpu.state.step).toBe(LEARNING_RATES.length);
      for (const [name] of SHAPES) {
        const start = Float32Array.from(cpu.params.get(name)!, (_, i) =>
          value(SHAPES.findIndex(([n]) => n === name) + 1, i),
        );
        // not vacuous: three steps of lr 1e-2..2e-3 moved every parameter
        expect(maxDifference(cpu.params.get(name)!, start), `${name} moved`).toBeGreaterThan(1e-3);
        expect(maxDifference(gpu.params.get(name)!, cpu.params.get(name)!), `${name}`).toBeLessThan(1e-6);
        const [cm, gm] = [cpu.state.moments.get(name)!, gpu.state.moments.get(name)!];
        expect(gm.shape).toEqual(cm.shape);
        expect(maxDifference(gm.m, cm.m), `${name} m`).toBeLessThan(1e-6);
        expect(maxDifference(gm.v, cm.v), `${name} v`).toBeLessThan(1e-6);
      }
    },
    120_000,
  );

  it.skipIf(!loaded)(
    'folds a gradient scale (clipping, loss scaling) into the update: the same as pre-multiplied gradients, no extra dispatch',
    async () => {
      const premultiplied = await train('cpu', { premultiply: 0.37 });
      for (const item of live.splice(0)) item.dispose();
      const cpu = await train('cpu', { apply: 0.37 });
      for (const item of live.splice(0)) item.dispose();
      const gpu = await train('webgpu', { apply: 0.37 });
      for (const item of live.splice(0)) item.dispose();
      const unscaled = await train('cpu');
      for (const item of live.splice(0)) item.dispose();
      expect(gpu.dispatches).toBe(2 * SHAPES.length * LEARNING_RATES.length);
      for (const [name] of SHAPES) {
        expect(cpu.params.get(name), name).toEqual(premultiplied.params.get(name));
        expect(cpu.state.moments.get(name)!.m).toEqual(premultiplied.state.moments.get(name)!.m);
        expect(maxDifference(gpu.params.get(name)!, cpu.params.get(name)!), name).toBeLessThan(1e-6);
        expect(maxDifference(gpu.state.moments.get(name)!.m, cpu.state.moments.get(name)!.m)).toBeLessThan(1e-6);
        // not vacuous: the scale changes the first moment
        expect(maxDifference(cpu.state.moments.get(name)!.m, unscaled.state.moments.get(name)!.m)).toBeGreaterThan(
          1e-4,
        );
      }
    },
    120_000,
  );

  it.skipIf(!loaded)(
    'continues on webgpu from a state exported on cpu as the cpu does',
    async () => {
      await tf.setBackend('cpu');
      const cpuParameters = makeParameters();
      const cpuOptimizer = new AdamW(cpuParameters, SETTINGS);
      live.push(cpuOptimizer);
      const first = gradients(cpuParameters, 0);
      cpuOptimizer.apply(first, 1e-2);
      tf.dispose([...first.values()]);
      const state = await cpuOptimizer.exportState();
      const startValues = new Map<string, Float32Array>();
      for (const { name, variable } of cpuParameters) startValues.set(name, Float32Array.from(await variable.data()));
      const second = gradients(cpuParameters, 1);
      cpuOptimizer.apply(second, 5e-3);
      tf.dispose([...second.values()]);

      await tf.setBackend('webgpu');
      const gpuParameters = SHAPES.map(([name, shape]) => {
        const variable: Variable = tf.tidy(() => tf.variable(tf.tensor(startValues.get(name)!, shape)));
        live.push(variable);
        return { name, variable, decay: decays(variable) };
      });
      const gpuOptimizer = new AdamW(gpuParameters, SETTINGS);
      live.push(gpuOptimizer);
      gpuOptimizer.importState(state);
      const again = gradients(gpuParameters, 1);
      gpuOptimizer.apply(again, 5e-3);
      tf.dispose([...again.values()]);
      for (const [index, { variable }] of gpuParameters.entries()) {
        const want = (await cpuParameters[index]!.variable.data()) as Float32Array;
        expect(maxDifference((await variable.data()) as Float32Array, want)).toBeLessThan(1e-6);
      }
    },
    120_000,
  );
});
