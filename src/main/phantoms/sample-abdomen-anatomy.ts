/**
 * Samples a normal upper abdomen + pelvis (portal venous phase) in RAS+ world mm for a field of
 * view of about 384 x 384 x 315 mm centred on the origin: the liver on the patient's right
 * (+x), the spleen on the left (−x), the spine posterior (−y), the liver dome near z = +150.
 */
import type { SeededRandom } from '../../shared/seeded-random';
import type { AbdomenAnatomy, AbdomenHu, KidneySpec } from './abdomen-plan-types';
import { cavityExtent, paraspinalMuscles, sampleBodyWall, sampleRibCage, sampleSpine } from './sample-body-frame';
import { sampleBowel, sampleStomach } from './sample-abdomen-bowel';
import { ellipsoidAxis } from './shape-distance';
import { growEllipsoid, randomWobble, tube } from './shape-builders';
import type { CylinderSpec, EllipsoidSpec, Vec3 } from './shape-spec';

export function sampleAbdomenHu(random: SeededRandom): AbdomenHu {
  const u = (min: number, max: number): number => Math.round(random.uniform(min, max));
  return {
    subcutaneousFat: u(-110, -95),
    visceralFat: u(-100, -85),
    muscle: u(42, 52),
    liver: u(55, 65),
    spleen: u(45, 50),
    kidneyCortex: u(150, 175),
    kidneyMedulla: u(110, 135),
    renalSinus: u(-80, -50),
    aorta: u(155, 195),
    ivc: u(115, 140),
    portalVein: u(150, 175),
    hepaticVein: u(130, 155),
    pancreas: u(50, 60),
    bowelWall: u(40, 55),
    lung: u(-870, -840),
    cortical: u(700, 900),
    cancellous: u(220, 280),
    disc: u(80, 100),
    csf: u(5, 20),
  };
}

export function sampleAbdomenAnatomy(random: SeededRandom): AbdomenAnatomy {
  const hu = sampleAbdomenHu(random);
  const body = sampleBodyWall(random, {
    halfWidthMm: [150, 172],
    anteriorMm: [105, 122],
    posteriorMm: [95, 108],
    fatMm: [12, 32],
    muscleMm: [10, 15],
  });
  const cavity = cavityExtent(body);
  const spine = sampleSpine(random, body, {
    depthFromBackMm: [82, 95],
    rx: [22, 26],
    ry: [16, 19],
    levelHeightMm: [30, 34],
    discHeightMm: [8, 10],
    transverseReachMm: [38, 46],
  });
  const ribs = sampleRibCage(random, body, {
    count: 5,
    zTopMm: [175, 185],
    periodMm: [26, 30],
    dropMm: [70, 90],
    startDeg: -72,
    endDeg: 40,
    radiusMm: [4.5, 5.5],
  });
  const spineFront = spine.y + spine.ry;

  const liver = sampleLiver(random, cavity);
  const right = liver.rightLobe;
  const [lcx, lcy, lcz] = right.centre;
  const [a1, bAnt, c] = right.radii;
  const [a2, bPost] = right.radiiNegative ?? right.radii;

  const ivc: CylinderSpec = {
    kind: 'cylinder',
    centre: [spine.x + random.uniform(18, 24), spineFront + random.uniform(12, 16)],
    radii: [random.uniform(11, 14), random.uniform(8, 11)],
    zMin: -60,
    zMax: lcz + c * 0.6,
  };
  const aortaRadius = random.uniform(10, 13);
  const bifurcationZ = random.uniform(-75, -55);
  const aorta: CylinderSpec = {
    kind: 'cylinder',
    centre: [spine.x - random.uniform(12, 18), spineFront + aortaRadius + random.uniform(1, 4)],
    radii: [aortaRadius, aortaRadius],
    zMin: bifurcationZ,
    zMax: 180,
  };
  const iliacArteries = [1, -1].map((side) =>
    tube(
      [aorta.centre[0], aorta.centre[1], bifurcationZ + 4],
      [side * random.uniform(45, 60), aorta.centre[1] + random.uniform(0, 15), -180],
      7,
      6,
    ),
  );

  const ivcTop: Vec3 = [ivc.centre[0], ivc.centre[1], lcz + c * 0.5];
  const left = liver.leftLobe;
  const hepaticVeins = [
    tube(ivcTop, [lcx + a1 * 0.55, lcy - bPost * 0.2, lcz + c * 0.2], 5, 2.5),
    tube(ivcTop, [lcx - a2 * 0.3, lcy + bAnt * 0.45, lcz + c * 0.1], 4.5, 2.5),
    tube(ivcTop, [left.centre[0] + left.radii[0] * 0.2, left.centre[1], left.centre[2]], 4, 2),
  ];
  const confluence: Vec3 = [ivc.centre[0] - 18, ivc.centre[1] + 22, lcz - c * 0.6];
  const hilum: Vec3 = [lcx - a2 * 0.35, lcy + 4, lcz - c * 0.2];
  const portalVeins = [
    tube(confluence, hilum, 7),
    tube(hilum, [lcx + a1 * 0.45, lcy, lcz - c * 0.05], 5.5, 3),
    tube(hilum, [left.centre[0], left.centre[1] - 5, left.centre[2] - 5], 4.5, 2.5),
  ];

  const spleen = sampleNormalSpleen(random, cavity);
  const kidneys = [sampleKidney(random, 'right', spine.y), sampleKidney(random, 'left', spine.y)];
  const stomach = sampleStomach(random, cavity);
  const pancreasBody: Vec3 = [spine.x - 5, spineFront + random.uniform(30, 40), random.uniform(55, 70)];
  const pancreas = [
    tube([spleen.shape.centre[0] + 25, spleen.shape.centre[1] + 15, spleen.shape.centre[2] - 25], pancreasBody, 10, 12),
    tube(pancreasBody, [ivc.centre[0] + 12, ivc.centre[1] + 22, pancreasBody[2] - 15], 12, 15),
  ];

  return {
    hu,
    body,
    spine,
    ribs,
    paraspinals: paraspinalMuscles(random, body, spine),
    psoas: [1, -1].map((side) => ({
      kind: 'cylinder' as const,
      centre: [spine.x + side * (spine.rx + random.uniform(14, 18)), spine.y + random.uniform(0, 5)],
      radii: [random.uniform(14, 18), random.uniform(13, 16)],
      zMin: -200,
      zMax: random.uniform(30, 60),
      wobble: randomWobble(random, 0.05, 2),
    })),
    lungBases: [1, -1].map((side) => ({
      kind: 'ellipsoid' as const,
      centre: [side * random.uniform(70, 85), cavity.cy - cavity.post * 0.35, random.uniform(205, 215)],
      radii: [random.uniform(62, 72), cavity.post * 0.75, random.uniform(85, 95)],
      wobble: randomWobble(random, 0.04),
    })),
    liver,
    hepaticVeins,
    portalVeins,
    spleen: spleen.shape,
    spleenLengthCm: spleen.lengthCm,
    kidneys,
    aorta,
    iliacArteries,
    ivc,
    pancreas,
    stomach,
    bowel: sampleBowel(random, cavity),
    pelvicBones: [1, -1].map((side) => {
      const outer: EllipsoidSpec = {
        kind: 'ellipsoid',
        centre: [side * random.uniform(80, 95), spine.y + random.uniform(-10, 5), random.uniform(-165, -150)],
        radii: [random.uniform(9, 12), random.uniform(50, 60), random.uniform(45, 55)],
        yawDeg: -side * random.uniform(30, 45),
        wobble: randomWobble(random, 0.05),
      };
      return { outer, inner: growEllipsoid(outer, -3.5) };
    }),
  };
}

function sampleLiver(
  random: SeededRandom,
  cavity: ReturnType<typeof cavityExtent>,
): { rightLobe: EllipsoidSpec; leftLobe: EllipsoidSpec } {
  const gap = random.uniform(5, 12);
  const a1 = random.uniform(70, 85);
  const cx = cavity.rx - gap - a1;
  const a2 = random.uniform(45, 58);
  const cy = cavity.cy + random.uniform(-8, 8);
  const bAnt = Math.min(random.uniform(75, 90), cavity.cy + cavity.ant - gap - cy);
  const bPost = Math.min(random.uniform(70, 85), cy - (cavity.cy - cavity.post) - 8);
  const cz = random.uniform(80, 92);
  const c = random.uniform(58, 68);
  const rightLobe: EllipsoidSpec = {
    kind: 'ellipsoid',
    centre: [cx, cy, cz],
    radii: [a1, bAnt, c],
    radiiNegative: [a2, bPost, c * random.uniform(0.85, 1)],
    wobble: randomWobble(random, 0.06),
  };
  const leftHalfWidth = random.uniform(38, 50);
  const leftDepth = random.uniform(25, 33);
  const leftY = Math.min(cy + bAnt * 0.45, cavity.cy + cavity.ant - leftDepth - 8);
  const leftLobe: EllipsoidSpec = {
    kind: 'ellipsoid',
    centre: [cx - a2 - random.uniform(8, 20), leftY, cz + c * random.uniform(0.1, 0.3)],
    radii: [leftHalfWidth, leftDepth, random.uniform(28, 38)],
    yawDeg: random.uniform(-12, 4),
    wobble: randomWobble(random, 0.06),
  };
  return { rightLobe, leftLobe };
}

/** Spleen shape from its long axis, with its superior pole fixed under the left hemidiaphragm. */
export function spleenShape(options: {
  lengthCm: number;
  widthMm: number;
  thicknessMm: number;
  pitchDeg: number;
  yawDeg: number;
  /** y and z (mm) of the superior pole, which stays put when the spleen enlarges. */
  superiorPole: { y: number; z: number };
  /** x (mm) of the spleen's lateral (most negative x) edge. */
  lateralEdgeX: number;
  wobble: EllipsoidSpec['wobble'];
}): EllipsoidSpec {
  const half = (options.lengthCm * 10) / 2;
  const draft: EllipsoidSpec = {
    kind: 'ellipsoid',
    centre: [0, 0, 0],
    radii: [options.widthMm, options.thicknessMm, half],
    yawDeg: options.yawDeg,
    pitchDeg: options.pitchDeg,
  };
  const axis = ellipsoidAxis(draft, 2);
  const { y, z } = options.superiorPole;
  return {
    ...draft,
    centre: [options.lateralEdgeX + options.widthMm, y - half * axis[1], z - half * axis[2]],
    ...(options.wobble ? { wobble: options.wobble } : {}),
  };
}

function sampleNormalSpleen(
  random: SeededRandom,
  cavity: ReturnType<typeof cavityExtent>,
): { shape: EllipsoidSpec; lengthCm: number } {
  const lengthCm = Math.round(random.uniform(9, 12) * 10) / 10;
  const lateralEdgeX = -(cavity.rx - random.uniform(4, 10));
  const shape = spleenShape({
    lengthCm,
    widthMm: random.uniform(32, 40),
    thicknessMm: random.uniform(18, 23),
    pitchDeg: random.uniform(35, 50),
    yawDeg: random.uniform(-8, 8),
    superiorPole: { y: cavity.cy - cavity.post + random.uniform(32, 45), z: random.uniform(135, 146) },
    lateralEdgeX,
    wobble: randomWobble(random, 0.03),
  });
  return { shape, lengthCm };
}

function sampleKidney(random: SeededRandom, side: 'right' | 'left', spineY: number): KidneySpec {
  const sign = side === 'right' ? 1 : -1;
  const rx = random.uniform(24, 28);
  const ry = random.uniform(20, 24);
  const rz = random.uniform(48, 56);
  const centre: Vec3 = [
    sign * random.uniform(60, 72),
    spineY + random.uniform(-2, 8),
    side === 'right' ? random.uniform(-15, 0) : random.uniform(0, 15),
  ];
  const yawDeg = -sign * random.uniform(25, 40);
  const cortex: EllipsoidSpec = {
    kind: 'ellipsoid',
    centre,
    radii: [rx, ry, rz],
    yawDeg,
    wobble: randomWobble(random, 0.04),
  };
  const medulla: EllipsoidSpec = { kind: 'ellipsoid', centre, radii: [rx * 0.62, ry * 0.62, rz * 0.7], yawDeg };
  const sinus: EllipsoidSpec = {
    kind: 'ellipsoid',
    centre: [centre[0] - sign * rx * 0.5, centre[1] + ry * 0.25, centre[2]],
    radii: [rx * 0.4, ry * 0.35, rz * 0.4],
    yawDeg,
  };
  return { side, cortex, medulla, sinus };
}
