/** Samples the body wall, spine and rib cage that both regions are built around. */
import type { SeededRandom } from '../../shared/seeded-random';
import type { BodyWallSpec, RibCageSpec, SpineSpec } from './body-plan-types';
import { randomWobble } from './shape-builders';
import type { CylinderSpec } from './shape-spec';

type Range = readonly [number, number];

export interface BodyWallRanges {
  halfWidthMm: Range;
  anteriorMm: Range;
  posteriorMm: Range;
  fatMm: Range;
  muscleMm: Range;
}

export function sampleBodyWall(random: SeededRandom, ranges: BodyWallRanges): BodyWallSpec {
  const u = (range: Range): number => random.uniform(range[0], range[1]);
  const centreY = random.uniform(-8, 0);
  const rx = u(ranges.halfWidthMm);
  const ant = u(ranges.anteriorMm);
  const post = u(ranges.posteriorMm);
  const fat = u(ranges.fatMm);
  const muscle = u(ranges.muscleMm);
  // One wobble for all three layers, so the layers stay roughly parallel.
  const wobble = randomWobble(random, 0.035, 3, 1.2);
  const cylinder = (inset: number): CylinderSpec => ({
    kind: 'cylinder',
    centre: [0, centreY],
    radii: [rx - inset, ant - inset],
    radiiNegative: [rx - inset, post - inset],
    wobble,
  });
  return {
    outer: cylinder(0),
    muscleOuter: cylinder(fat),
    cavity: cylinder(fat + muscle),
    fatThicknessMm: fat,
    muscleThicknessMm: muscle,
  };
}

/** Cavity outline numbers used by the organ planners: centre y, half width, anterior / posterior reach. */
export function cavityExtent(body: BodyWallSpec): { cy: number; rx: number; ant: number; post: number } {
  const cavity = body.cavity;
  return {
    cy: cavity.centre[1],
    rx: cavity.radii[0],
    ant: cavity.radii[1],
    post: (cavity.radiiNegative ?? cavity.radii)[1],
  };
}

export interface SpineRanges {
  /** Distance from the skin of the back to the centre of the vertebral bodies. */
  depthFromBackMm: Range;
  rx: Range;
  ry: Range;
  levelHeightMm: Range;
  discHeightMm: Range;
  transverseReachMm: Range;
}

export function sampleSpine(random: SeededRandom, body: BodyWallSpec, ranges: SpineRanges): SpineSpec {
  const u = (range: Range): number => random.uniform(range[0], range[1]);
  const back = body.outer.centre[1] - (body.outer.radiiNegative ?? body.outer.radii)[1];
  const levelHeightMm = u(ranges.levelHeightMm);
  return {
    x: random.uniform(-2, 2),
    y: back + u(ranges.depthFromBackMm),
    rx: u(ranges.rx),
    ry: u(ranges.ry),
    levelHeightMm,
    discHeightMm: u(ranges.discHeightMm),
    zPhaseMm: random.uniform(0, levelHeightMm),
    transverseReachMm: u(ranges.transverseReachMm),
  };
}

/** Where the vertebrae (bodies, arches, processes) are drawn, with a margin: lesions keep out. */
export function spineKeepOut(spine: SpineSpec): CylinderSpec[] {
  return [
    { kind: 'cylinder', centre: [spine.x, spine.y], radii: [spine.rx + 6, spine.ry + 6] },
    { kind: 'cylinder', centre: [spine.x, spine.y - spine.ry - 18], radii: [spine.transverseReachMm + 8, 26] },
  ];
}

/** Paraspinal muscles: fill the space between the vertebral arch and the posterior muscle wall. */
export function paraspinalMuscles(random: SeededRandom, body: BodyWallSpec, spine: SpineSpec): CylinderSpec[] {
  const wallY = body.muscleOuter.centre[1] - (body.muscleOuter.radiiNegative ?? body.muscleOuter.radii)[1];
  const top = spine.y - spine.ry - 4;
  const centreY = (top + wallY) / 2;
  const halfDepth = Math.max(10, (top - wallY) / 2 + 3);
  return [1, -1].map((side) => ({
    kind: 'cylinder' as const,
    centre: [spine.x + side * (spine.rx + random.uniform(8, 14)), centreY],
    radii: [random.uniform(22, 28), halfDepth],
    wobble: randomWobble(random, 0.05, 2),
  }));
}

export interface RibRanges {
  count: number;
  zTopMm: Range;
  periodMm: Range;
  dropMm: Range;
  startDeg: number;
  endDeg: number;
  radiusMm: Range;
}

/** Ribs follow the outline a little inside the muscle wall's outer edge. */
export function sampleRibCage(random: SeededRandom, body: BodyWallSpec, ranges: RibRanges): RibCageSpec {
  const u = (range: Range): number => random.uniform(range[0], range[1]);
  const inset = body.fatThicknessMm + body.muscleThicknessMm * 0.55;
  const outer = body.outer;
  const negative = outer.radiiNegative ?? outer.radii;
  return {
    centre: [outer.centre[0], outer.centre[1]],
    radii: [outer.radii[0] - inset, outer.radii[1] - inset],
    radiiNegative: [negative[0] - inset, negative[1] - inset],
    count: ranges.count,
    zTopMm: u(ranges.zTopMm),
    periodMm: u(ranges.periodMm),
    dropMm: u(ranges.dropMm),
    startDeg: ranges.startDeg,
    endDeg: ranges.endDeg,
    radiusMm: u(ranges.radiusMm),
  };
}
