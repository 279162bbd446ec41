/**
 * Renders a planned study onto a voxel grid: the region's scene is painted with partial volume,
 * then the study's scanner adds its kernel, noise and calibration offset. Deterministic: the
 * same plan and grid give the same bytes.
 */
import { UserError } from '../../shared/errors';
import { SeededRandom } from '../../shared/seeded-random';
import type { Volume } from '../volumes/volume';
import { abdomenScene } from './abdomen-scene';
import { applyAcquisition } from './acquisition-effects';
import { chestScene } from './chest-scene';
import { createCanvas, paintLayers } from './paint-canvas';
import { gridAffine, type PhantomGrid } from './phantom-grid';
import { defaultPhantomGrid } from './scanner-profiles';
import type { PhantomStudyPlan } from './study-plan';

const MAX_VOXELS = 64 * 1024 * 1024;
/** Keeps the noise stream apart from the other uses of the study seed. */
const NOISE_STREAM = 0x9e3779b9;

export interface RenderedPhantom {
  /** Int16 HU with a RAS+ affine centred on the origin. */
  volume: Volume & { data: Int16Array };
  /** Tissue code of each voxel (see TISSUE), same order as the volume: for evaluation and checks only. */
  tissues: Uint8Array;
  /** The scene's HU with partial volume, before the scanner's kernel, noise and offset: for checks only. */
  idealHu: Float32Array;
}

export function renderPhantomWithTissues(
  plan: PhantomStudyPlan,
  grid: PhantomGrid = defaultPhantomGrid(plan.region, plan.scanner),
): RenderedPhantom {
  validateGrid(grid);
  const canvas = createCanvas(grid, -1000);
  paintLayers(canvas, plan.region === 'abdomen' ? abdomenScene(plan) : chestScene(plan));
  const data = applyAcquisition(canvas.hu, grid, plan.acquisition, new SeededRandom((plan.seed ^ NOISE_STREAM) >>> 0));
  return {
    volume: { data, dims: [grid.dims[0], grid.dims[1], grid.dims[2]], affine: gridAffine(grid) },
    tissues: canvas.tissue,
    idealHu: canvas.hu,
  };
}

/** The study's CT volume (Int16 HU, RAS+ affine centred on the origin) on `grid`, by default its scanner's grid. */
export function renderPhantom(plan: PhantomStudyPlan, grid?: PhantomGrid): Volume & { data: Int16Array } {
  return renderPhantomWithTissues(plan, grid).volume;
}

function validateGrid(grid: PhantomGrid): void {
  const ok =
    grid.dims.length === 3 &&
    grid.spacingMm.length === 3 &&
    grid.dims.every((n) => Number.isInteger(n) && n > 0) &&
    grid.spacingMm.every((s) => Number.isFinite(s) && s > 0);
  if (!ok) {
    throw new UserError(
      'INVALID_INPUT',
      'A phantom grid needs three whole, positive dims and three positive spacings (mm).',
    );
  }
  const voxels = grid.dims[0] * grid.dims[1] * grid.dims[2];
  if (voxels > MAX_VOXELS) {
    throw new UserError('INVALID_INPUT', `A phantom grid of ${voxels} voxels is too large (at most ${MAX_VOXELS}).`);
  }
}
