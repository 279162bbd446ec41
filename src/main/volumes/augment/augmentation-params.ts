/**
 * One sample's augmentation, fully decided: plain JSON (log it, store it, replay it with
 * `applyAugmentation`). `null` means the transform was not drawn for this sample.
 *
 * Geometry (millimetres, about the volume centre, RAS: x Right, y Anterior, z Superior):
 * a point x of the input moves to F·(S·R·x + t), then the elastic field warps it; see
 * spatial-transform.ts for the exact composition.
 */
import { z } from 'zod';
import { UserError } from '../../../shared/errors';

// zod 4 numbers are finite: NaN and ±Infinity are rejected.
const finite = z.number();
const vector3 = z.tuple([finite, finite, finite]);

export const AugmentationParamsSchema = z.object({
  /** Angles in degrees about x, y and z (right-handed); R = Rz·Ry·Rx. */
  rotation: z.object({ degrees: vector3 }).nullable(),
  /** Scale factor along x, y and z (> 1 enlarges anatomy). */
  scaling: z
    .object({ factors: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]) })
    .nullable(),
  /** Shift in millimetres along x, y and z. */
  translation: z.object({ mm: vector3 }).nullable(),
  /**
   * Cubic B-spline displacement field: `controlPoints`³ control vectors in millimetres, vector
   * (a, b, c) at [3 * (a + n * (b + n * c)) + axis], spanning the volume's voxel centres.
   */
  elastic: z
    .object({ controlPoints: z.number().int().min(4).max(32), displacementMm: z.array(finite) })
    .refine((e) => e.displacementMm.length === 3 * e.controlPoints ** 3, {
      message: 'elastic.displacementMm must hold 3 values per control point',
    })
    .nullable(),
  /** Left–right (i) and anterior–posterior (j) flips. There is no superior–inferior flip, by design. */
  flip: z.strictObject({ leftRight: z.boolean(), anteriorPosterior: z.boolean() }),
  /** I' = I^γ with γ = exp(logGamma), on intensities rescaled to [0, 1] and back. */
  gamma: z.object({ logGamma: finite }).nullable(),
  /** exp(Σ c·x^a·y^b·z^c), TorchIO's monomial order (see bias-field.ts). */
  biasField: z.object({ order: z.number().int().min(0).max(6), coefficients: z.array(finite) }).nullable(),
  /** Separable Gaussian, σ in voxels along i, j, k. */
  blur: z.object({ sigmaVoxels: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]) }).nullable(),
  /** Additive zero-mean Gaussian noise; `seed` drives its SeededRandom. */
  noise: z.object({ sigma: z.number().min(0), seed: z.number().int().min(0).max(0xffffffff) }).nullable(),
});

export type AugmentationParams = z.infer<typeof AugmentationParamsSchema>;

/** Number of monomials x^a·y^b·z^c with a + b + c <= order. */
export function biasFieldTermCount(order: number): number {
  return ((order + 1) * (order + 2) * (order + 3)) / 6;
}

/** No transform at all: `applyAugmentation` returns the input's values unchanged. */
export function identityAugmentation(): AugmentationParams {
  return {
    rotation: null,
    scaling: null,
    translation: null,
    elastic: null,
    flip: { leftRight: false, anteriorPosterior: false },
    gamma: null,
    biasField: null,
    blur: null,
    noise: null,
  };
}

/** Validates params read back from a log (or received from another thread). */
export function parseAugmentationParams(value: unknown): AugmentationParams {
  const parsed = AugmentationParamsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new UserError(
      'INVALID_INPUT',
      `Augmentation parameters are invalid${where ? ` at ${where}` : ''}: ${issue?.message ?? 'unknown problem'}.`,
    );
  }
  const { biasField } = parsed.data;
  if (biasField && biasField.coefficients.length !== biasFieldTermCount(biasField.order)) {
    throw new UserError(
      'INVALID_INPUT',
      `Augmentation parameters are invalid at biasField.coefficients: order ${biasField.order} needs ${biasFieldTermCount(biasField.order)} coefficients, got ${biasField.coefficients.length}.`,
    );
  }
  return parsed.data;
}
