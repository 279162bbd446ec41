/** Where a pleural effusion's fluid is: the dependent (posterior) lung below a gently sloping level. */
import type { PleuralEffusionFinding } from './chest-plan-types';
import { OPEN, type ShapeSpec } from './shape-spec';

/** y (mm) of the fluid level on one side at height z, or null when that side has no effusion. */
export function effusionLevelAt(effusion: PleuralEffusionFinding, side: 'right' | 'left', z: number): number | null {
  const level = effusion.levelY[side];
  return level === null ? null : level - effusion.slope * (z - effusion.baseZ);
}

/** The region (side of the chest ∩ below the level) the fluid fills wherever there is lung. */
export function effusionShape(effusion: PleuralEffusionFinding, side: 'right' | 'left'): ShapeSpec | null {
  const level = effusion.levelY[side];
  if (level === null) return null;
  const norm = Math.hypot(1, effusion.slope);
  const sideBox: ShapeSpec =
    side === 'right'
      ? { kind: 'box', min: [0, -OPEN, -OPEN], max: [OPEN, OPEN, OPEN] }
      : { kind: 'box', min: [-OPEN, -OPEN, -OPEN], max: [0, OPEN, OPEN] };
  return {
    kind: 'intersection',
    of: [
      sideBox,
      // y + slope·z ≤ level + slope·baseZ, normalised.
      {
        kind: 'halfspace',
        normal: [0, 1 / norm, effusion.slope / norm],
        offset: (level + effusion.slope * effusion.baseZ) / norm,
      },
    ],
  };
}
