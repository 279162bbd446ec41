/**
 * 1x1x1 Conv3d without padding runs as a matmul over the voxels its stride keeps. It must give what
 * tfjs's own conv3d gives (values, and gradients for input, weight and bias), keep PyTorch's weight
 * layout, and on WebGPU run no Conv3D kernel (tfjs-backend-webgpu's is the untiled one).
 */
import { describe, expect, it } from 'vitest';
import { torchToTfFilter } from '../../../../src/main/engine/layers/channels-last';
import { Conv3d, MAX_MATMUL_ROWS, type Triple } from '../../../../src/main/engine/layers/conv3d';
import { tf, type Tensor, type Variable } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';

const { loaded, unavailable, required } = await loadWebgpuForTests('conv3d-pointwise.test');

/** Odd sizes, so stride 2 keeps ceil(L/2) voxels and the gradient's zero-spreading is cropped. */
const SHAPE: [number, number, number, number, number] = [2, 5, 6, 7, 3];
const OUT = 5;

/** max |a - b| / max |b|. */
async function relativeError(a: Tensor, b: Tensor): Promise<number> {
  // Flattened: tfjs-backend-webgpu cannot run 5-D binary ops (its WGSL \`vec5\`).
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.reshape(a, [-1]), tf.reshape(b, [-1])))));
  const scale = tf.tidy(() => tf.max(tf.abs(tf.reshape(b, [-1]))));
  const d = (await diff.data())[0] ?? Number.NaN;
  const s = (await scale.data())[0] ?? Number.NaN;
  tf.dispose([diff, scale]);
  return d / Math.max(s, 1e-12);
}

interface Result {
  y: Tensor;
  grads: Tensor[];
}

/** y = forward() and the gradients of Σ sin(index) ⊙ y w.r.t. x, weight and bias. */
function outputAndGradients(forward: () => Tensor, variables: Variable[]): Result {
  const y = forward();
  const weights = tf.tidy(() => tf.sin(tf.range(0, y.size)));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(weights, tf.reshape(forward(), [-1]))), variables);
  value.dispose();
  weights.dispose();
  return { y, grads: variables.map((v) => grads[v.name]!) };
}

async function compare(
  backend: string,
  stride: Triple,
): Promise<{ errors: number[]; kernels: string[]; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const conv = new Conv3d(SHAPE[4], OUT, 1, { stride, seed: 7 });
  const init = tf.randomNormal(SHAPE, 0, 1, 'float32', 3);
  const x = tf.variable(init);
  init.dispose();
  const bias = conv.bias!;
  const variables = [x, conv.weight, bias];
  let kernels: string[] = [];
  let layer: Result | undefined;
  const profile = await tf.profile(() => {
    layer = outputAndGradients(() => conv.apply(x), variables);
    return [layer.y, ...layer.grads];
  });
  kernels = profile.kernelNames;
  const reference = outputAndGradients(
    () =>
      tf.tidy(() => {
        const y = tf.conv3d(x as tf.Tensor5D, torchToTfFilter(conv.weight), stride, 'valid');
        return tf.reshape(tf.add(tf.reshape(y, [-1, OUT]), bias), y.shape);
      }),
    variables,
  );
  if (!layer) throw new Error('no result');
  const errors = [await relativeError(layer.y, reference.y)];
  for (const [i, g] of layer.grads.entries()) errors.push(await relativeError(g, reference.grads[i]!));
  expect(layer.y.shape).toEqual(reference.y.shape);
  tf.dispose([layer.y, ...layer.grads, reference.y, ...reference.grads, x]);
  conv.dispose();
  return { errors, kernels, leaked: tf.memory().numTensors - before };
}

describe('pointwise Conv3d as a matmul', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it('takes the matmul form only for 1x1x1 kernels without padding', () => {
    const convs = [
      new Conv3d(2, 3, 1),
      new Conv3d(2, 3, 1, { stride: 2 }),
      new Conv3d(2, 3, 1, { padding: 1 }),
      new Conv3d(2, 3, 3, { padding: 1 }),
    ];
    expect(convs.map((c) => c.pointwise)).toEqual([true, true, false, false]);
    expect(convs[1]!.namedParameters().map(([name, v]) => [name, v.shape])).toEqual([
      ['weight', [3, 2, 1, 1, 1]],
      ['bias', [3]],
    ]);
    for (const c of convs) c.dispose();
  });

  it('runs more rows than a webgpu 2-D matmul takes as a batched matmul, with the same values (cpu)', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const conv = new Conv3d(1, 2, 1, { seed: 5 });
    const shape = [1, 2, 1024, 1025, 1]; // 2,099,200 voxels
    expect(2 * 1024 * 1025).toBeGreaterThan(MAX_MATMUL_ROWS);
    const x = tf.randomNormal(shape, 0, 1, 'float32', 9);
    const y = conv.apply(x);
    const expected = tf.tidy(() => {
      const raw = tf.conv3d(x as tf.Tensor5D, torchToTfFilter(conv.weight), 1, 'valid');
      return tf.reshape(tf.add(tf.reshape(raw, [-1, 2]), conv.bias!), raw.shape);
    });
    expect(y.shape).toEqual([1, 2, 1024, 1025, 2]);
    expect(await relativeError(y, expected)).toBeLessThan(1e-6);
    tf.dispose([x, y, expected]);
    conv.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const backend of ['cpu', 'webgpu'] as const) {
    for (const stride of [
      [1, 1, 1],
      [2, 2, 2],
      [1, 2, 2],
    ] as Triple[]) {
      it.skipIf(backend === 'webgpu' && !loaded)(
        `equals tfjs conv3d with its gradients for x, weight and bias, stride ${stride.join('x')} (${backend})`,
        async () => {
          const { errors, kernels, leaked } = await compare(backend, stride);
          expect(leaked).toBe(0);
          for (const error of errors) expect(error).toBeLessThan(1e-5);
          expect(kernels).not.toContain('Conv3D');
          expect(kernels).not.toContain('Conv3DBackpropInputV2');
          expect(kernels).toContain('BatchMatMul');
        },
      );
    }
  }
});
