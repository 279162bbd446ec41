import { describe, expect, it } from 'vitest';
import { BugError } from '../../../../../src/shared/errors';
import {
  MISSING_LABEL,
  cosineSimilarityMatrix,
  orderByLabel,
  orderedSimilarity,
} from '../../../../../src/main/engine/eval/embeddings/similarity-matrix';

const S = Math.SQRT1_2;

describe('cosineSimilarityMatrix', () => {
  it('is na × nb row-major cosines of unnormalised rows', () => {
    const a = Float32Array.of(1, 0, 0, 2);
    const b = Float32Array.of(1, 1, -3, 0, 0, 0.5);
    const values = cosineSimilarityMatrix(a, 2, b, 3, 2);
    expect(values).toHaveLength(6);
    const expected = [S, -1, 0, S, 0, 1];
    expected.forEach((value, index) => expect(values[index]).toBeCloseTo(value, 6));
  });

  it('rejects a buffer that does not match its row count', () => {
    expect(() => cosineSimilarityMatrix(Float32Array.of(1, 0), 2, Float32Array.of(1, 0), 1, 2)).toThrow(BugError);
  });
});

describe('orderByLabel', () => {
  it('groups numbers (ascending), then strings, then missing labels, keeping the original order within a group', () => {
    const labels = ['b', 1, null, 'a', 1, 'b', 0, Number.NaN];
    expect(orderByLabel(labels)).toEqual([6, 1, 4, 3, 0, 5, 2, 7]);
  });

  it('is stable for many equal labels', () => {
    const labels = Array.from({ length: 50 }, (_, index) => (index % 3 === 0 ? 'x' : 'y'));
    const order = orderByLabel(labels);
    const xs = order.filter((row) => labels[row] === 'x');
    const ys = order.filter((row) => labels[row] === 'y');
    expect(order).toEqual([...xs, ...ys]);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
  });

  it('keeps 1 and "1" apart', () => {
    expect(orderByLabel(['1', 1, '1', 1])).toEqual([1, 3, 0, 2]);
  });
});

describe('orderedSimilarity', () => {
  it('reorders rows and columns alike and reports group boundaries', () => {
    // Rows 0..3 in 2-D; labels put rows 1 and 3 ("neg") before 0 and 2 ("pos"), missing last.
    const image = Float32Array.of(1, 0, 0, 1, 1, 1, -1, 0, 2, 3);
    const text = Float32Array.of(1, 0, 0, 1, 1, -1, -1, 1, 3, 2);
    const labels = ['pos', 'neg', 'pos', 'neg', null];
    const result = orderedSimilarity(image, text, 5, 2, labels);
    expect(result.order).toEqual([1, 3, 0, 2, 4]);
    expect(result.groups).toEqual([
      { label: 'neg', start: 0, end: 2 },
      { label: 'pos', start: 2, end: 4 },
      { label: MISSING_LABEL, start: 4, end: 5 },
    ]);
    const full = cosineSimilarityMatrix(image, 5, text, 5, 2);
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 5; c++) {
        expect(result.values[r * 5 + c]).toBe(full[(result.order[r] ?? 0) * 5 + (result.order[c] ?? 0)]);
      }
    }
    // The diagonal stays the matched pairs: row 3 (-1, 0) with its text (-1, 1).
    expect(result.values[1 * 5 + 1]).toBeCloseTo(S, 6);
  });

  it('rejects labels that do not match the rows', () => {
    expect(() => orderedSimilarity(Float32Array.of(1, 0), Float32Array.of(1, 0), 1, 2, ['a', 'b'])).toThrow(BugError);
  });
});
