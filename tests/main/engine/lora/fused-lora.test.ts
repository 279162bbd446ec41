/**
 * The fused LoRA forward (one WGSL dispatch on WebGPU, composite tfjs ops elsewhere) against the
 * separate base/A/B layers it replaces (withLoraFusion(false)): output and gradients for the
 * input, lora_A and lora_B, within 1e-5 relative, on cpu and webgpu (lavapipe in CI). Shapes are
 * not multiples of 4 and span several 32-wide tiles; Linear takes 2-D and 3-D inputs, ConvLoRA
 * 1x1x1 convolutions with stride 1 and 2.
 */
import { describe, expect, it } from 'vitest';
import { Conv3d } from '../../../../src/main/engine/layers/conv3d';
import { Linear } from '../../../../src/main/engine/layers/linear';
import { ConvLora3d } from '../../../../src/main/engine/lora/conv-lora-3d';
import { withLoraFusion } from '../../../../src/main/engine/lora/fused/lora-fusion-switch';
import type { LoraLayer } from '../../../../src/main/engine/lora/lora-layer';
import { LoraLinear } from '../../../../src/main/engine/lora/lora-linear';
import { tf, type Variable } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';
import { outputAndGradients, randomise, recordPrograms, relativeError } from './fused-lora-helpers';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-lora.test');
const BACKENDS = ['cpu', 'webgpu'] as const;

const IN = 37;
const OUT = 35;

function freezeBase(layer: LoraLayer): void {
  layer.baseLayer.weight.trainable = false;
  if (layer.baseLayer.bias) layer.baseLayer.bias.trainable = false;
}

interface Comparison {
  errors: number[];
  fusedPrograms: string[];
  unfusedPrograms: string[];
  leaked: number;
}

/** Fused vs unfused output and gradients (x, lora_A, lora_B) of `layer` at x of `shape`. */
async function compareFused(backend: string, makeLayer: () => LoraLayer, shape: number[]): Promise<Comparison> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const layer = makeLayer();
  randomise(layer.loraA.weight, 11);
  randomise(layer.loraB.weight, 12);
  const init = tf.randomNormal(shape, 0, 1, 'float32', 13);
  const x = tf.variable(init);
  init.dispose();
  const variables: Variable[] = [x, layer.loraA.weight, layer.loraB.weight];
  const track = <T>(body: () => T): { result: T; programs: string[] } =>
    backend === 'webgpu' ? recordPrograms(body) : { result: body(), programs: [] };
  const fused = track(() => outputAndGradients(() => layer.apply(x), variables));
  const unfused = track(() => withLoraFusion(false, () => outputAndGradients(() => layer.apply(x), variables)));
  expect(fused.result.y.shape).toEqual(unfused.result.y.shape);
  const errors = [await relativeError(fused.result.y, unfused.result.y)];
  for (const [i, grad] of fused.result.grads.entries()) {
    errors.push(await relativeError(grad, unfused.result.grads[i]!));
  }
  tf.dispose([fused.result.y, ...fused.result.grads, unfused.result.y, ...unfused.result.grads, x]);
  layer.dispose();
  return {
    errors,
    fusedPrograms: fused.programs,
    unfusedPrograms: unfused.programs,
    leaked: tf.memory().numTensors - before,
  };
}

function expectFusedMatches(result: Comparison, backend: string): void {
  expect(result.leaked).toBe(0);
  // [y, dx, dA, dB]
  for (const error of result.errors) expect(error).toBeLessThan(1e-5);
  if (backend === 'webgpu') {
    // Two forwards (outputAndGradients runs one for y, one inside variableGrads) and dx.
    expect(result.fusedPrograms.filter((p) => p.startsWith('loraMatMul_')).length).toBe(3);
    expect(result.fusedPrograms.filter((p) => p.startsWith('loraProjection_')).length).toBe(2); // s·dy·B, s·x·Aᵀ
    expect(result.unfusedPrograms.some((p) => p.startsWith('lora'))).toBe(false);
  }
}

describe('fused LoRA', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  for (const backend of BACKENDS) {
    for (const rank of [1, 2, 8]) {
      for (const shape of [
        [45, IN],
        [2, 23, IN],
      ]) {
        it.skipIf(backend === 'webgpu' && !loaded)(
          `Linear ${IN}->${OUT}, rank ${rank}, input [${shape.join(', ')}]: matches the unfused layers (${backend})`,
          async () => {
            const bias = rank !== 2;
            const result = await compareFused(
              backend,
              () => {
                const layer = new LoraLinear(new Linear(IN, OUT, { bias, seed: 3 }), {
                  rank,
                  alpha: 3,
                  dropout: 0,
                  seed: 5,
                });
                freezeBase(layer);
                return layer;
              },
              shape,
            );
            expectFusedMatches(result, backend);
          },
        );
      }
    }

    for (const stride of [1, 2]) {
      it.skipIf(backend === 'webgpu' && !loaded)(
        `1x1x1 ConvLoRA 6->10, rank 2, stride ${stride}: matches the unfused layers (${backend})`,
        async () => {
          const result = await compareFused(backend, () => {
            const base = new Conv3d(6, 10, 1, { stride, bias: stride === 1, seed: 4 });
            const layer = new ConvLora3d(base, { rank: 2, alpha: 2, dropout: 0, seed: 6 });
            freezeBase(layer);
            return layer;
          }, [2, 5, 6, 7, 6]);
          expectFusedMatches(result, backend);
        },
      );
    }
  }

  it('computes no gradient for the frozen base weight and bias, nor for an input that needs none (cpu kernels)', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const layer = new LoraLinear(new Linear(IN, OUT, { seed: 3 }), { rank: 2, alpha: 2, dropout: 0, seed: 5 });
    freezeBase(layer);
    randomise(layer.loraB.weight, 12);
    const x = tf.randomNormal([9, IN], 0, 1, 'float32', 13);
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x)));
      expect(Object.keys(grads).sort()).toEqual([layer.loraA.weight.name, layer.loraB.weight.name].sort());
      tf.dispose([value, ...Object.values(grads)]);
      return [];
    });
    const products = profile.kernels
      .filter((k) => k.name === 'BatchMatMul')
      .flatMap((k) => k.outputShapes.map((s) => JSON.stringify(s)));
    expect(products).not.toContain(JSON.stringify([OUT, IN])); // dW
    expect(products).not.toContain(JSON.stringify([9, IN])); // dx: x is a constant, so nothing needs it
    expect(products).toContain(JSON.stringify([OUT, 2])); // dB (so the profile did see the backward)
    x.dispose();
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs the separate layers when the base is trainable, and gives the base its gradient (cpu)', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const layer = new LoraLinear(new Linear(IN, OUT, { seed: 3 }), { rank: 2, alpha: 2, dropout: 0, seed: 5 });
    randomise(layer.loraB.weight, 12);
    const x = tf.randomNormal([9, IN], 0, 1, 'float32', 13);
    const variables = [layer.baseLayer.weight, layer.loraA.weight, layer.loraB.weight];
    const withFusion = outputAndGradients(() => layer.apply(x), variables);
    const without = withLoraFusion(false, () => outputAndGradients(() => layer.apply(x), variables));
    for (const [i, grad] of withFusion.grads.entries()) expect(await relativeError(grad, without.grads[i]!)).toBe(0);
    tf.dispose([withFusion.y, ...withFusion.grads, without.y, ...without.grads, x]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.skipIf(!loaded)('skips dx when the input needs no gradient (webgpu)', async () => {
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    const layer = new LoraLinear(new Linear(IN, OUT, { seed: 3 }), { rank: 2, alpha: 2, dropout: 0, seed: 5 });
    freezeBase(layer);
    const x = tf.randomNormal([9, IN], 0, 1, 'float32', 13);
    const { result, programs } = recordPrograms(() => tf.variableGrads(() => tf.sum(layer.apply(x))));
    await result.value.data();
    tf.dispose([result.value, ...Object.values(result.grads)]);
    expect(programs.filter((p) => p.startsWith('loraMatMul_'))).toHaveLength(1); // the forward only
    expect(programs.filter((p) => p.startsWith('loraProjection_'))).toHaveLength(2); // for dA and dB
    x.dispose();
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.skipIf(!loaded)('uses the fused program only while no dropout mask applies (webgpu)', async () => {
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    const layer = new LoraLinear(new Linear(IN, OUT, { seed: 3 }), { rank: 2, alpha: 2, dropout: 0.05, seed: 5 });
    freezeBase(layer);
    const x = tf.randomNormal([9, IN], 0, 1, 'float32', 13);
    const runs: Array<{ training: boolean; programs: string[] }> = [];
    for (const training of [true, false]) {
      layer.train(training);
      const { result, programs } = recordPrograms(() => layer.apply(x));
      await result.data();
      result.dispose();
      runs.push({ training, programs });
    }
    expect(runs[0]!.programs.some((p) => p.startsWith('loraMatMul_'))).toBe(false);
    expect(runs[1]!.programs.filter((p) => p.startsWith('loraMatMul_'))).toHaveLength(1);
    x.dispose();
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const backend of BACKENDS) {
    it.skipIf(backend === 'webgpu' && !loaded)(
      `3x3x3 ConvLoRA, padding not the same on every axis: layers apart sharing one padded input (${backend})`,
      async () => {
        const result = await compareFused(backend, () => {
          const layer = new ConvLora3d(new Conv3d(2, 3, 3, { padding: [1, 0, 1], stride: [1, 2, 1] }), {
            rank: 2,
            alpha: 2,
            dropout: 0,
            seed: 5,
          });
          freezeBase(layer);
          return layer;
        }, [1, 3, 4, 3, 2]);
        expect(result.leaked).toBe(0);
        for (const error of result.errors) expect(error).toBeLessThan(1e-6);
        if (backend === 'webgpu') {
          expect(result.fusedPrograms.some((p) => p.startsWith('lora'))).toBe(false);
          // One padding of two axes (2 fills, 2 concats) fewer in each of the two forwards, and its gradient (2 x 3 slices).
          expect(result.unfusedPrograms.length - result.fusedPrograms.length).toBe(2 * 4 + 6);
        }
      },
    );

    it.skipIf(backend === 'webgpu' && !loaded)(
      `3x3x3 ConvLoRA, the same padding on every axis: padded inside the conv kernels, no copy (${backend})`,
      async () => {
        const result = await compareFused(backend, () => {
          const layer = new ConvLora3d(new Conv3d(2, 3, 3, { padding: 1, stride: [1, 2, 1] }), {
            rank: 2,
            alpha: 2,
            dropout: 0,
            seed: 5,
          });
          freezeBase(layer);
          return layer;
        }, [1, 3, 4, 3, 2]);
        expect(result.leaked).toBe(0);
        for (const error of result.errors) expect(error).toBeLessThan(1e-6);
        if (backend === 'webgpu') {
          for (const programs of [result.fusedPrograms, result.unfusedPrograms]) {
            expect(programs.filter((p) => /fill|concat/i.test(p))).toEqual([]);
          }
        }
      },
    );
  }
});
