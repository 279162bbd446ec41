import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/main/engine/backends/select-backend';
import { fitLinearProbe, probeScores } from '../../../../src/main/engine/eval/linear-probe';
import { SeededRandom } from '../../../../src/shared/seeded-random';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

beforeAll(async () => {
  await selectBackend({ force: 'cpu' });
});

/** n points in `dim` dimensions; the label is whether coordinate 3 is above 0 (with noise elsewhere). */
function dataset(n: number, dim: number, seed: number): { x: Float32Array; labels: Array<0 | 1> } {
  const random = new SeededRandom(seed);
  const x = new Float32Array(n * dim);
  const labels: Array<0 | 1> = [];
  for (let i = 0; i < n; i += 1) {
    for (let d = 0; d < dim; d += 1) x[i * dim + d] = random.normal() * 0.3;
    const label = i % 2 === 0 ? 1 : 0;
    x[i * dim + 3] = (label === 1 ? 1 : -1) * (0.5 + random.next());
    labels.push(label);
  }
  return { x, labels };
}

describe('linear probe (a supervised baseline)', () => {
  it('learns a separable direction from the training rows and ranks held-out rows by it', async () => {
    const train = dataset(40, 8, 1);
    const test = dataset(20, 8, 2);
    const probe = await expectNoTensorLeak(() => fitLinearProbe(train.x, 8, train.labels));
    const scores = probeScores(test.x, 8, probe);
    test.labels.forEach((label, i) => expect(scores[i]! > 0.5, `row ${i}`).toBe(label === 1));
    // The informative coordinate carries the largest weight.
    const largest = [...probe.weights].map(Math.abs).indexOf(Math.max(...[...probe.weights].map(Math.abs)));
    expect(largest).toBe(3);
  });

  it('ignores rows without a label and refuses a training set with one label only', async () => {
    const train = dataset(10, 4, 3);
    const labels = train.labels.map((label, i) => (i < 6 ? label : null));
    await expect(fitLinearProbe(train.x, 4, labels)).resolves.toBeDefined();
    await expect(
      fitLinearProbe(
        train.x,
        4,
        train.labels.map(() => 1 as const),
      ),
    ).rejects.toThrow(/needs training studies of both labels; the training split has 10 positive and 0 negative/);
  });
});
