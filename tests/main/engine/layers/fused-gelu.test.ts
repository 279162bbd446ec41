/**
 * The fused GELU on webgpu (Mesa lavapipe in CI) against the tfjs-op path it replaces, on the
 * same backend and inputs (values from -6 to 6, where erf saturates, and around 0): outputs and
 * input gradients; one dispatch forward and one backward; no tensor leaks. The tfjs path on the
 * cpu backend is also checked against the exact x·Φ(x) and its derivative in float64.
 */
import { describe, expect, it } from 'vitest';
import { gelu, withGeluFusion } from '../../../../src/main/engine/layers/fused-gelu/gelu';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { loadWebgpuForTests } from '../../../helpers/webgpu-backend';
import { outputAndGradients, recordPrograms, relativeError } from '../lora/fused-lora-helpers';

const { loaded, unavailable, required } = await loadWebgpuForTests('fused-gelu.test');

/** erf in float64: its Maclaurin series below 3, its continued fraction above (both to ~1e-15 here). */
function erf(x: number): number {
  const a = Math.abs(x);
  let value: number;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n += 1) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    value = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let fraction = 0;
    for (let n = 60; n >= 1; n -= 1) fraction = n / 2 / (a + fraction);
    value = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + fraction);
  }
  return Math.sign(x) * value;
}

describe('fused GELU on webgpu vs the tfjs ops', () => {
  it.runIf(required && !loaded)('has an adapter because CTVLM_REQUIRE_WEBGPU is set', () => {
    expect.fail(`CTVLM_REQUIRE_WEBGPU is set but WebGPU is unavailable: ${unavailable}`);
  });

  it('is x·Φ(x) with the exact derivative on the cpu backend (tfjs ops)', async () => {
    await tf.setBackend('cpu');
    const values = [-6, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.5, 1.5, 3, 6];
    const x = tf.tensor1d(values);
    const { value, grads } = tf.valueAndGrads((v: Tensor) => tf.sum(gelu(v)))([x]);
    const y = gelu(x);
    const got = await y.data();
    const slope = await grads[0]!.data();
    values.forEach((v, i) => {
      const cdf = 0.5 * (1 + erf(v / Math.SQRT2));
      expect(Math.abs((got[i] ?? NaN) - v * cdf), `gelu(${v})`).toBeLessThan(1e-6);
      const derivative = cdf + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI);
      expect(Math.abs((slope[i] ?? NaN) - derivative), `gelu'(${v})`).toBeLessThan(1e-6);
    });
    tf.dispose([x, y, value, ...grads]);
  });

  it.skipIf(!loaded)('matches the tfjs ops forward and backward, in one dispatch each', async () => {
    await tf.setBackend('webgpu');
    const x = tf.variable(
      tf.tidy(() => tf.concat([tf.linspace(-6, 6, 1201), tf.randomNormal([4, 300], 0, 1, 'float32', 3).reshape([-1])])),
      true,
      'gelu_x',
    );
    const before = tf.memory().numTensors;
    const fused = recordPrograms(() => outputAndGradients(() => gelu(x), [x]));
    const reference = withGeluFusion(false, () => outputAndGradients(() => gelu(x), [x]));
    expect(await relativeError(fused.result.y, reference.y)).toBeLessThan(1e-6);
    expect(await relativeError(fused.result.grads[0]!, reference.grads[0]!)).toBeLessThan(1e-5);
    expect(fused.result.grads.length).toBe(1);
    expect(fused.programs.filter((key) => key.startsWith('gelu'))).toEqual([
      'gelu_forward',
      'gelu_forward',
      'gelu_grad',
    ]);
    tf.dispose([fused.result.y, ...fused.result.grads, reference.y, ...reference.grads]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
