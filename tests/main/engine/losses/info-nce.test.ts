import { beforeAll, describe, expect, it } from 'vitest';
import { BugError } from '../../../../src/shared/errors';
import { meanMatchedCosine } from '../../../../src/main/engine/losses/embedding-similarity';
import { symmetricInfoNce } from '../../../../src/main/engine/losses/info-nce';
import {
  HCC_MERLIN_TEMPERATURE_INITS,
  expLogitScale,
  inverseTemperatureScale,
} from '../../../../src/main/engine/losses/logit-scale';
import { tf, type Tensor } from '../../../../src/main/engine/tf';
import { checkGradient } from '../../../helpers/finite-difference';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function scalarValue(tensor: Tensor): number {
  return tensor.dataSync()[0] ?? Number.NaN;
}

function ownedVariable(initial: Tensor): tf.Variable {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

describe('symmetricInfoNce', () => {
  it('equals the hand-computed value on a 2x2 example', async () => {
    await expectNoTensorLeak(() => {
      // Normalised: images e1, e2; texts (1, 0), (1, 1)/√2. cos = [[1, 1/√2], [0, 1/√2]];
      // scale 2 gives logits [[2, √2], [0, √2]].
      const image = tf.tensor2d([
        [3, 0],
        [0, 2],
      ]);
      const text = tf.tensor2d([
        [1, 0],
        [1, 1],
      ]);
      const r2 = Math.SQRT2;
      const lse = (a: number, b: number): number => Math.log(Math.exp(a) + Math.exp(b));
      const rows = (lse(2, r2) - 2 + (lse(0, r2) - r2)) / 2;
      const columns = (lse(2, 0) - 2 + (lse(r2, r2) - r2)) / 2;
      const expected = (rows + columns) / 2;
      expect(expected).toBeCloseTo(0.370061122930795, 12);
      const loss = symmetricInfoNce(image, text, 2);
      expect(scalarValue(loss)).toBeCloseTo(expected, 6);
      tf.dispose([image, text, loss]);
    });
  });

  it('is near 0 for perfectly matched pairs at a large scale, and finite at scale 1e4', async () => {
    await expectNoTensorLeak(() => {
      const image = tf.randomNormal([6, 16], 0, 1, 'float32', 3);
      const scaled = tf.mul(image, 5); // same directions, different norms
      const lossAt100 = symmetricInfoNce(image, scaled, 100);
      expect(scalarValue(lossAt100)).toBeGreaterThanOrEqual(0);
      expect(scalarValue(lossAt100)).toBeLessThan(1e-3);
      const shuffled = tf.reverse(image, 0);
      const huge = symmetricInfoNce(image, shuffled, 1e4);
      expect(Number.isFinite(scalarValue(huge))).toBe(true);
      expect(scalarValue(huge)).toBeGreaterThan(100);
      tf.dispose([image, scaled, lossAt100, shuffled, huge]);
    });
  });

  it('is symmetric under swapping image and text, and log(B) for unrelated constant embeddings', async () => {
    await expectNoTensorLeak(() => {
      const image = tf.randomNormal([5, 8], 0, 1, 'float32', 4);
      const text = tf.randomNormal([5, 8], 0, 1, 'float32', 5);
      const forward = symmetricInfoNce(image, text, 7);
      const swapped = symmetricInfoNce(text, image, 7);
      expect(Math.abs(scalarValue(forward) - scalarValue(swapped))).toBeLessThan(1e-6);
      const same = tf.ones([5, 8]);
      const uniform = symmetricInfoNce(same, same, 10);
      expect(scalarValue(uniform)).toBeCloseTo(Math.log(5), 5);
      tf.dispose([image, text, forward, swapped, same, uniform]);
    });
  });

  it('refuses mismatched shapes and a non-scalar scale', async () => {
    await expectNoTensorLeak(() => {
      const a = tf.zeros([3, 4]);
      const b = tf.zeros([2, 4]);
      const scale = tf.ones([2]);
      expect(() => symmetricInfoNce(a, b, 1)).toThrow(BugError);
      expect(() => symmetricInfoNce(a, a, scale)).toThrow(BugError);
      tf.dispose([a, b, scale]);
    });
  });
});

describe('logit scales', () => {
  it('HCC-Merlin divides by a raw temperature (no clamp); CT-CLIP multiplies by exp(t)', async () => {
    await expectNoTensorLeak(() => {
      expect([...HCC_MERLIN_TEMPERATURE_INITS]).toEqual([0.07, 0.5, 1, 10]);
      const scales = HCC_MERLIN_TEMPERATURE_INITS.map((tau) => inverseTemperatureScale(tau));
      expect(scales.map(scalarValue).map((v) => Number(v.toFixed(4)))).toEqual([14.2857, 2, 1, 0.1]);
      const tiny = inverseTemperatureScale(1e-4); // a clamp (as CLIP's 100) would give 100
      expect(scalarValue(tiny)).toBeCloseTo(1e4, 0);
      const clip = expLogitScale(Math.log(1 / 0.07));
      expect(scalarValue(clip)).toBeCloseTo(1 / 0.07, 4);
      tf.dispose([...scales, tiny, clip]);
    });
  });
});

describe('meanMatchedCosine', () => {
  it('averages cos(image_i, text_i) over the pairs only', async () => {
    await expectNoTensorLeak(() => {
      const image = tf.tensor2d([
        [1, 0],
        [0, 2],
        [3, 4],
      ]);
      const text = tf.tensor2d([
        [2, 0],
        [1, 0],
        [-3, -4],
      ]);
      const cos = meanMatchedCosine(image, text);
      expect(scalarValue(cos)).toBeCloseTo((1 + 0 - 1) / 3, 6);
      tf.dispose([image, text, cos]);
    });
  });
});

describe('symmetricInfoNce gradients (central differences, float32)', () => {
  // The loss is smooth but not quadratic, so truncation (h²/6·|L'''|, growing like scale³) adds
  // to float32 rounding (≈ u·|L|/h ≈ 1e-5). With h = 1e-2 on unit-scale embeddings and scales
  // ≤ 3 the measured worst entries are 2e-4 to 4.5e-3 (embeddings) and 2e-5 to 6e-4 (the
  // temperature, h = 1e-3). 2e-2 relative (absolute below 1e-3) keeps a 4x margin and still
  // fails a wrong gradient (a dropped transposed term or a missing scale errs by ≥ 0.3).
  const tolerance = 2e-2;
  const options = { step: 1e-2, floor: 1e-3 };

  function embeddings(): { image: tf.Variable; text: tf.Variable } {
    return {
      image: ownedVariable(tf.randomNormal([4, 6], 0, 1, 'float32', 21)),
      text: ownedVariable(tf.randomNormal([4, 6], 0, 1, 'float32', 22)),
    };
  }

  it.each([
    ['image', 'inverse temperature'],
    ['text', 'inverse temperature'],
    ['image', 'exp'],
    ['text', 'exp'],
  ] as const)('w.r.t. the %s embeddings (%s scale)', async (which, parametrisation) => {
    await expectNoTensorLeak(() => {
      const { image, text } = embeddings();
      const parameter = ownedVariable(tf.scalar(parametrisation === 'exp' ? Math.log(3) : 0.5));
      const scale = (): tf.Scalar =>
        parametrisation === 'exp' ? expLogitScale(parameter) : inverseTemperatureScale(parameter);
      const loss = (): tf.Scalar => tf.tidy(() => symmetricInfoNce(image, text, scale()));
      const result = checkGradient(loss, which === 'image' ? image : text, options);
      expect(result.maxAbsAnalytic).toBeGreaterThan(0.05);
      expect(result.maxRelativeError, JSON.stringify(result.worst)).toBeLessThan(tolerance);
      tf.dispose([image, text, parameter]);
    });
  });

  it.each([
    ['inverse temperature', 0.5],
    ['inverse temperature', 1],
    ['exp', Math.log(2)],
  ] as const)('w.r.t. the temperature parameter (%s scale, value %d)', async (parametrisation, value) => {
    await expectNoTensorLeak(() => {
      const { image, text } = embeddings();
      const parameter = ownedVariable(tf.scalar(value));
      const loss = (): tf.Scalar =>
        tf.tidy(() =>
          symmetricInfoNce(
            image,
            text,
            parametrisation === 'exp' ? expLogitScale(parameter) : inverseTemperatureScale(parameter),
          ),
        );
      const result = checkGradient(loss, parameter, { step: 1e-3, floor: 1e-3 });
      expect(result.maxAbsAnalytic).toBeGreaterThan(0.01);
      expect(result.maxRelativeError, JSON.stringify(result.worst)).toBeLessThan(tolerance);
      tf.dispose([image, text, parameter]);
    });
  });
});
