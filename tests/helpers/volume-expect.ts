import { expect } from 'vitest';
import { UserError } from '../../src/shared/errors';
import type { Volume } from '../../src/main/volumes/volume';

/** The promise rejects with a UserError of this code whose message names `mentions` (each). */
export async function expectUserError(
  promise: Promise<unknown>,
  code: UserError['code'],
  ...mentions: (string | RegExp)[]
): Promise<UserError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a UserError').toBeInstanceOf(UserError);
  const error = caught as UserError;
  expect(error.code, error.message).toBe(code);
  for (const mention of mentions) {
    if (typeof mention === 'string') expect(error.message).toContain(mention);
    else expect(error.message).toMatch(mention);
  }
  return error;
}

/** Number of voxels that differ (0 for identical data), cheaper and clearer than a deep diff. */
export function countDifferences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let differences = 0;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) differences += 1;
  return differences;
}

/** Same grid, same voxels exactly, affines equal within `tolerance` mm. */
export function expectSameVolume(actual: Volume, expected: Volume, tolerance = 1e-3): void {
  expect(actual.dims).toEqual(expected.dims);
  expect(actual.data.constructor).toBe(expected.data.constructor);
  expect(countDifferences(actual.data, expected.data)).toBe(0);
  expect(actual.affine).toHaveLength(16);
  actual.affine.forEach((value, i) => {
    expect(Math.abs(value - (expected.affine[i] ?? NaN)), `affine[${i}]: ${value}`).toBeLessThanOrEqual(tolerance);
  });
}

/** [min, max] of the voxel values. */
export function valueRange(data: ArrayLike<number>): [number, number] {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < data.length; i += 1) {
    const v = data[i] ?? NaN;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}
