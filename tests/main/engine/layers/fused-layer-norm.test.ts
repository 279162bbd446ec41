/**
 * The fused LayerNorm on webgpu (Mesa lavapipe in CI) against the tfjs-op path it replaces, on
 * the same backend and inputs: outputs and the gradients of x, weight and bias for widths below,
 * at and above the 64-thread row workgroup (and BERT's eps 1e-12), 5-D token grids as CTViT
 * has, and enough rows for many partial-sum chunks; the dispatch counts (one forward; only the
 * gradients the tape asks for); no tensor leaks; LayerNorm.apply takes the fused path.
 */
import { describe, expect, it } from 'vitest';
import { BERT_LAYER_NORM_EPS, LayerNorm } from '../../../../src/main/engine/layers/layer-norm';
import { layerNormLastAxis } from '../../../../src/main/engine/layers/fused-norm/fused-layer-norm';
import { withNormFusion } from '../../../../src/main/engine/layers/fused-norm/norm-fusion-switch';
import { tf, type Tensor, type Variable } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';
import { outputAndGradients, recordPrograms, relativeError } from '../lora/fused-lora-helpers';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-layer-norm.test');

interface Case {
  x: Variable;
  weight: Variable;
  bias: Variable;
  dispose: () => void;
}

function operands(shape: number[], seed: number): Case {
  const dim = shape[shape.length - 1] ?? 1;
  // An offset and a spread per row, as real activations have, so the statistics matter.
  const x = tf.variable(
    tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), 3), 1.5)),
    true,
    `ln_x_${seed}`,
  );
  const weight = tf.variable(tf.randomUniform([dim], 0.5, 1.5, 'float32', seed + 1), true, `ln_w_${seed}`);
  const bias = tf.variable(tf.randomNormal([dim], 0, 0.3, 'float32', seed + 2), true, `ln_b_${seed}`);
  return { x, weight, bias, dispose: () => tf.dispose([x, weight, bias]) };
}

async function compare(shape: number[], eps: number, seed: number): Promise<void> {
  const { x, weight, bias, dispose } = operands(shape, seed);
  const variables = [x, weight, bias];
  const before = tf.memory().numTensors;
  const fused = outputAndGradients(() => layerNormLastAxis(x, weight, bias, eps), variables);
  const reference = withNormFusion(false, () =>
    outputAndGradients(() => layerNormLastAxis(x, weight, bias, eps), variables),
  );
  const got = [fused.y, ...fused.grads];
  const want = [reference.y, ...reference.grads];
  for (const [i, name] of ['y', 'dx', 'dweight', 'dbias'].entries()) {
    expect(await relativeError(got[i]!, want[i]!), `${name} of [${shape.join(', ')}]`).toBeLessThan(1e-5);
  }
  tf.dispose([...got, ...want]);
  expect(tf.memory().numTensors).toBe(before);
  dispose();
}

describe('fused LayerNorm on webgpu vs the tfjs ops', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  const cases: Array<[number[], number]> = [
    [[2, 7, 32], 1e-5],
    [[3, 5, 64], 1e-5],
    [[2, 9, 100], BERT_LAYER_NORM_EPS],
    [[1, 2, 3, 4, 48], 1e-5], // a CTViT token grid
    [[3000, 8], 1e-5], // many rows, many chunks
    [[4, 1], 1e-5],
  ];
  it.skipIf(!loaded).each(cases.map(([shape, eps], i) => [shape, eps, i] as const))(
    '%j, eps %s',
    async (shape, eps, i) => {
      await tf.setBackend('webgpu');
      await compare([...shape], eps, 70 + 5 * i);
    },
    60_000,
  );

  it.skipIf(!loaded)('dispatches once forward, and only the gradients the tape asks for', async () => {
    await tf.setBackend('webgpu');
    const { x, weight, bias, dispose } = operands([2, 6, 40], 5);
    const forward = recordPrograms(() => layerNormLastAxis(x, weight, bias, 1e-5));
    expect(forward.programs).toEqual(['layerNorm_forward']);
    forward.result.dispose();
    const onlyX = recordPrograms(() =>
      tf.tidy(() => tf.grad((input: Tensor) => tf.sum(layerNormLastAxis(input, weight, bias, 1e-5)))(x)),
    );
    expect(onlyX.programs.filter((key) => key.includes('layerNorm'))).toEqual(['layerNorm_forward', 'layerNorm_dx']);
    onlyX.result.dispose();
    const all = recordPrograms(() =>
      tf.tidy(() => tf.variableGrads(() => tf.sum(layerNormLastAxis(x, weight, bias, 1e-5)), [x, weight, bias])),
    );
    expect(all.programs.filter((key) => key.includes('layerNorm')).sort()).toEqual(
      [
        'layerNorm_forward',
        'layerNorm_dx',
        'layerNorm_rowStats',
        'columnPartials_layerNorm_weight_sum',
        'columnPartials_layerNorm_bias_sum',
      ].sort(),
    );
    tf.dispose([all.result.value, ...Object.values(all.result.grads)]);
    const unfused = recordPrograms(() => withNormFusion(false, () => layerNormLastAxis(x, weight, bias, 1e-5)));
    console.info(`[fused layer norm] forward dispatches: 1 fused, ${unfused.programs.length} as tfjs ops`);
    expect(unfused.programs.length).toBeGreaterThan(5);
    unfused.result.dispose();
    dispose();
  });

  it.skipIf(!loaded)('is what LayerNorm.apply runs on webgpu', async () => {
    await tf.setBackend('webgpu');
    const norm = new LayerNorm(24);
    const x = tf.randomNormal([2, 3, 24], 0, 1, 'float32', 9);
    const applied = recordPrograms(() => norm.apply(x));
    expect(applied.programs).toEqual(['layerNorm_forward']);
    tf.dispose([x, applied.result]);
    norm.dispose();
  });
});
