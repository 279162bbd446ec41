import { describe, expect, it } from 'vitest';
import { sigmoid, taskPrompts, zeroShotScores } from '../../../../src/main/engine/eval/zero-shot-scores';

const classes = [{ name: 'mass', label: 'mass', positive: ['p1', 'p2'], negative: ['n1'] }];
// 2-D unit vectors: p1 = (1,0), p2 = (0,1), n1 = (-1,0).
const prompts = { prompts: ['p1', 'p2', 'n1'], embeddings: Float32Array.from([1, 0, 0, 1, -1, 0]) };

describe('zero-shot scores', () => {
  it('averages the similarities of a class prompts and takes sigmoid(pos − neg) of the scaled means', () => {
    // Study 0 = (1,0): pos = (1 + 0)/2 = 0.5, neg = −1 → sigmoid(100·1.5). Study 1 = (−1,0): pos −0.5, neg 1.
    const images = Float32Array.from([1, 0, -1, 0]);
    const [out] = zeroShotScores(images, 2, 2, classes, prompts, { scoring: 'pair', scale: 100 });
    expect(out?.positiveSimilarity[0]).toBeCloseTo(50, 5);
    expect(out?.negativeSimilarity[0]).toBeCloseTo(-100, 5);
    expect(out?.scores[0]).toBeCloseTo(sigmoid(150), 12);
    expect(out?.scores[1]).toBeCloseTo(sigmoid(-150), 12);
    expect(out?.scores[1]).toBeGreaterThan(0); // no underflow to exactly 0 at −150
  });

  it('equals a softmax over the (neg, pos) pair', () => {
    const images = Float32Array.from([0.6, 0.8]);
    const [out] = zeroShotScores(images, 1, 2, classes, prompts, { scoring: 'pair', scale: 10 });
    const pos = 10 * ((0.6 + 0.8) / 2);
    const neg = 10 * -0.6;
    expect(out?.scores[0]).toBeCloseTo(Math.exp(pos) / (Math.exp(pos) + Math.exp(neg)), 8); // float32 inputs
  });

  it('scores positive-only tasks with sigmoid(pos)', () => {
    const single = [{ name: 'mass', label: 'mass', positive: ['p2'], negative: [] }];
    const [out] = zeroShotScores(Float32Array.from([0, 1]), 1, 2, single, prompts, {
      scoring: 'positive-only',
      scale: 2,
    });
    expect(out?.scores[0]).toBeCloseTo(sigmoid(2), 12);
    expect(Number.isNaN(out?.negativeSimilarity[0])).toBe(true);
  });

  it('lists each prompt once, in first-seen order', () => {
    expect(
      taskPrompts([
        { name: 'a', label: 'a', positive: ['x', 'y'], negative: ['z'] },
        { name: 'b', label: 'b', positive: ['y'], negative: ['w'] },
      ]),
    ).toEqual(['x', 'y', 'z', 'w']);
  });

  it('refuses embeddings that do not fit', () => {
    expect(() => zeroShotScores(new Float32Array(3), 2, 2, classes, prompts, { scoring: 'pair', scale: 1 })).toThrow(
      /do not fit/,
    );
  });
});
