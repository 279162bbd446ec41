/**
 * The fused frozen BatchNorm (+ ReLU) on webgpu (Mesa lavapipe in CI) against the tfjs-op path it
 * replaces, on the same backend and inputs: outputs and the gradients of x, weight and bias, with
 * and without ReLU, at channel counts below, at and above the 64-channel tile, over enough rows for
 * many partial-sum chunks; the dispatch counts (one forward; a frozen layer's backward one dispatch;
 * only what the tape asks for; small inputs' parameter gradients in one pass each); no tensor leaks.
 * BatchNorm3d.apply and applyRelu take the fused path on webgpu.
 */
import { describe, expect, it } from 'vitest';
import { BatchNorm3d } from '../../../../src/main/engine/layers/batch-norm3d';
import { planPartials } from '../../../../src/main/engine/layers/fused-norm/norm-program-base';
import {
  frozenBatchNorm,
  type FrozenBatchNormParts,
} from '../../../../src/main/engine/layers/fused-norm/frozen-batch-norm';
import { withNormFusion } from '../../../../src/main/engine/layers/fused-norm/norm-fusion-switch';
import { tf, type Tensor, type Variable } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';
import { outputAndGradients, recordPrograms, relativeError } from '../lora/fused-lora-helpers';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-batch-norm.test');

interface Layer {
  x: Variable;
  parts: FrozenBatchNormParts & { weight: Variable; bias: Variable };
  dispose: () => void;
}

function layer(shape: number[], seed: number): Layer {
  const channels = shape[shape.length - 1] ?? 1;
  const x = tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed), true, `bn_x_${seed}`);
  const weight = tf.variable(tf.randomUniform([channels], 0.5, 1.5, 'float32', seed + 1), true, `bn_w_${seed}`);
  const bias = tf.variable(tf.randomNormal([channels], 0, 0.3, 'float32', seed + 2), true, `bn_b_${seed}`);
  const runningMean = tf.randomNormal([channels], 0, 0.5, 'float32', seed + 3);
  const runningVar = tf.randomUniform([channels], 0.2, 2, 'float32', seed + 4);
  return {
    x,
    parts: { weight, bias, runningMean, runningVar, eps: 1e-5 },
    dispose: () => tf.dispose([x, weight, bias, runningMean, runningVar]),
  };
}

async function compare(shape: number[], relu: boolean, seed: number): Promise<void> {
  const { x, parts, dispose } = layer(shape, seed);
  const variables = [x, parts.weight, parts.bias];
  const before = tf.memory().numTensors;
  const fused = outputAndGradients(() => frozenBatchNorm(x, parts, relu), variables);
  const reference = withNormFusion(false, () => outputAndGradients(() => frozenBatchNorm(x, parts, relu), variables));
  const names = ['y', 'dx', 'dweight', 'dbias'];
  const got = [fused.y, ...fused.grads];
  const want = [reference.y, ...reference.grads];
  for (const [i, name] of names.entries()) {
    expect(
      await relativeError(got[i]!, want[i]!),
      `${name} of [${shape.join(', ')}]${relu ? ' + relu' : ''}`,
    ).toBeLessThan(1e-5);
  }
  tf.dispose([...got, ...want]);
  expect(tf.memory().numTensors).toBe(before);
  dispose();
}

describe('fused frozen BatchNorm on webgpu vs the tfjs ops', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  const shapes: number[][] = [
    [2, 3, 4, 5, 8],
    [1, 2, 3, 3, 1],
    [2, 4, 4, 4, 64],
    [1, 5, 10, 10, 70], // two channel tiles, 500 rows
    [20000, 3], // many chunks of rows
  ];
  it.skipIf(!loaded).each(shapes.flatMap((shape, i) => [[shape, true, i] as const, [shape, false, i] as const]))(
    '%j, relu %s',
    async (shape, relu, i) => {
      await tf.setBackend('webgpu');
      await compare([...shape], relu, 40 + 7 * i);
    },
    60_000,
  );

  it('sums up to 2,048 rows in one pass, and larger inputs over many chunks of rows', () => {
    expect(planPartials(2048, 70)).toEqual({ columnTiles: 2, chunks: 1, rowsPerChunk: 2048 });
    expect(planPartials(2049, 70).chunks).toBeGreaterThan(1);
    const plan = planPartials(2 * 80 * 112 * 112, 64);
    expect(plan.columnTiles).toBe(1);
    expect(plan.chunks * plan.rowsPerChunk).toBeGreaterThanOrEqual(2 * 80 * 112 * 112);
    expect(plan.chunks).toBeGreaterThan(1000);
  });

  it.skipIf(!loaded)(
    'dispatches once forward, once for a frozen layer backward, and only what the tape asks for',
    async () => {
      await tf.setBackend('webgpu');
      const { x, parts, dispose } = layer([2, 4, 4, 4, 16], 3);
      const forward = recordPrograms(() => frozenBatchNorm(x, parts, true));
      expect(forward.programs).toEqual(['frozenBatchNorm_forward_relu']);
      forward.result.dispose();
      const onlyX = recordPrograms(() =>
        tf.tidy(() => tf.grad((input: Tensor) => tf.sum(frozenBatchNorm(input, parts, true)))(x)),
      );
      expect(onlyX.programs.filter((key) => key.includes('frozenBatchNorm'))).toEqual([
        'frozenBatchNorm_forward_relu',
        'frozenBatchNorm_dx_relu',
      ]);
      onlyX.result.dispose();
      const all = recordPrograms(() =>
        tf.tidy(() => tf.variableGrads(() => tf.sum(frozenBatchNorm(x, parts, false)), [x, parts.weight, parts.bias])),
      );
      expect(all.programs.filter((key) => key.includes('frozenBatchNorm')).sort()).toEqual(
        [
          'frozenBatchNorm_forward_linear',
          'frozenBatchNorm_dx_linear',
          'columnPartials_frozenBatchNorm_weight_linear_frozenBatchNorm_weight',
          'columnPartials_frozenBatchNorm_bias_linear_frozenBatchNorm_bias',
        ].sort(),
      );
      tf.dispose([all.result.value, ...Object.values(all.result.grads)]);
      const unfused = recordPrograms(() => withNormFusion(false, () => frozenBatchNorm(x, parts, true)));
      console.info(`[fused batch norm] forward dispatches: 1 fused, ${unfused.programs.length} as tfjs ops`);
      expect(unfused.programs.length).toBeGreaterThan(5);
      unfused.result.dispose();
      dispose();
    },
  );

  it.skipIf(!loaded)('is what BatchNorm3d.apply and applyRelu run on webgpu', async () => {
    await tf.setBackend('webgpu');
    const bn = new BatchNorm3d(8);
    const x = tf.randomNormal([1, 2, 3, 4, 8], 0, 1, 'float32', 9);
    const plain = recordPrograms(() => bn.apply(x));
    const withRelu = recordPrograms(() => bn.applyRelu(x));
    expect(plain.programs).toEqual(['frozenBatchNorm_forward_linear']);
    expect(withRelu.programs).toEqual(['frozenBatchNorm_forward_relu']);
    const expected = tf.relu(plain.result);
    expect(await relativeError(withRelu.result, expected)).toBe(0);
    tf.dispose([x, plain.result, withRelu.result, expected]);
    bn.dispose();
  });
});
