/**
 * Samples a normal non-contrast chest in RAS+ world mm for a field of view of about
 * 384 x 384 x 315 mm centred on the origin: lungs from the apices (above the top) to the
 * diaphragm domes (right higher, liver below it), the heart left-anterior on the left dome, the
 * great vessels and airways in the mediastinum, the spine and ribs around.
 */
import type { SeededRandom } from '../../shared/seeded-random';
import type { ChestAnatomy, ChestHu } from './chest-plan-types';
import { type HeartFrame, heartShape, thoracicWidthAt } from './heart-geometry';
import { cavityExtent, paraspinalMuscles, sampleBodyWall, sampleRibCage, sampleSpine } from './sample-body-frame';
import { compileShape } from './shape-distance';
import { growEllipsoid, randomWobble, tube } from './shape-builders';
import type { CylinderSpec, EllipsoidSpec, TubeSpec, Vec3 } from './shape-spec';

export function sampleChestHu(random: SeededRandom): ChestHu {
  const u = (min: number, max: number): number => Math.round(random.uniform(min, max));
  return {
    subcutaneousFat: u(-110, -95),
    mediastinalFat: u(-100, -85),
    muscle: u(42, 52),
    lung: u(-880, -855),
    lungDependentRise: u(30, 60),
    heart: u(35, 45),
    blood: u(38, 48),
    airwayWall: u(30, 50),
    liver: u(55, 65),
    upperAbdomen: u(40, 50),
    cortical: u(700, 900),
    cancellous: u(200, 260),
    disc: u(80, 100),
    csf: u(5, 20),
  };
}

export function sampleChestAnatomy(random: SeededRandom): ChestAnatomy {
  const hu = sampleChestHu(random);
  const body = sampleBodyWall(random, {
    halfWidthMm: [150, 170],
    anteriorMm: [110, 125],
    posteriorMm: [115, 128],
    fatMm: [8, 22],
    muscleMm: [10, 15],
  });
  const cavity = cavityExtent(body);
  const spine = sampleSpine(random, body, {
    depthFromBackMm: [68, 76],
    rx: [18, 21],
    ry: [15, 17],
    levelHeightMm: [24, 27],
    discHeightMm: [5, 6],
    transverseReachMm: [32, 38],
  });
  const ribs = sampleRibCage(random, body, {
    count: 13,
    zTopMm: [185, 195],
    periodMm: [25, 28],
    dropMm: [80, 100],
    startDeg: -75,
    endDeg: 62,
    radiusMm: [4.5, 5.5],
  });
  const spineFront = spine.y + spine.ry;
  const anteriorWallY = body.outer.centre[1] + body.outer.radii[1] - body.fatThicknessMm;

  const domeTopRight = random.uniform(-60, -40);
  const domeTopLeft = domeTopRight - random.uniform(10, 22);
  const dome = (side: number, top: number): EllipsoidSpec => {
    const rz = random.uniform(120, 140);
    return {
      kind: 'ellipsoid',
      centre: [side * random.uniform(45, 65), cavity.cy + random.uniform(-10, 5), top - rz],
      radii: [random.uniform(110, 130), random.uniform(120, 135), rz],
      wobble: randomWobble(random, 0.03),
    };
  };
  const domes = {
    right: dome(1, domeTopRight),
    left: dome(-1, domeTopLeft),
    gastricBubble: {
      kind: 'ellipsoid' as const,
      centre: [
        -random.uniform(45, 65),
        cavity.cy + random.uniform(10, 30),
        domeTopLeft - random.uniform(22, 32),
      ] as Vec3,
      radii: [random.uniform(20, 30), random.uniform(12, 18), random.uniform(10, 15)] as Vec3,
    },
  };

  const lung = (side: number): EllipsoidSpec => {
    const lateral = cavity.rx * 0.5 + 30;
    const medial = cavity.rx * 0.5 - random.uniform(6, 12);
    return {
      kind: 'ellipsoid',
      centre: [(side * cavity.rx) / 2, cavity.cy + random.uniform(-5, 5), random.uniform(10, 25)],
      radii: [side > 0 ? lateral : medial, cavity.ant + 25, random.uniform(150, 160)],
      radiiNegative: [side > 0 ? medial : lateral, cavity.post + 25, random.uniform(160, 175)],
      wobble: randomWobble(random, 0.03),
    };
  };
  const lungs = { right: lung(1), left: lung(-1) };

  const heartCentreZ = domeTopRight + random.uniform(20, 32);
  const frame: HeartFrame = {
    thoracicWidthMm: thoracicWidthAt(body.cavity, heartCentreZ),
    anteriorLimitY: cavity.cy + cavity.ant - random.uniform(6, 12),
    posteriorLimitY: spineFront + 8,
    centreZ: heartCentreZ,
    axisAngleDeg: random.uniform(8, 16),
    rightBorderFraction: random.uniform(0.28, 0.38),
  };
  const pericardialFatMm = random.uniform(3, 6);
  const cardiothoracicRatio = Math.round(random.uniform(0.38, 0.47) * 100) / 100;
  const heart = heartShape({
    ...frame,
    cardiothoracicRatio,
    pericardialFatMm,
    halfDepthMm: random.uniform(44, 50),
    halfHeightMm: random.uniform(45, 55),
  });

  const mediastinum: CylinderSpec = {
    kind: 'cylinder',
    centre: [random.uniform(-6, 0), cavity.cy + random.uniform(0, 10)],
    radii: [random.uniform(18, 24), cavity.ant + 10],
    radiiNegative: [random.uniform(18, 24), cavity.cy + random.uniform(0, 10) - spineFront + 12],
    zMin: heartCentreZ + 15,
    zMax: 200,
    wobble: randomWobble(random, 0.05),
  };

  const archZ = random.uniform(55, 75);
  const [hx, hy, hz] = heart.centre;
  const heartTop = hz + heart.radii[2];
  const descending: Vec3 = [spine.x - random.uniform(18, 24), spine.y + random.uniform(5, 14), archZ + 8];
  const aortaRadius = random.uniform(13, 16);
  const hilumZ = heartTop + random.uniform(0, 12);
  const hilum = (side: number): Vec3 => [side * random.uniform(50, 60), spine.y + random.uniform(22, 32), hilumZ];
  const hila = { right: hilum(1), left: hilum(-1) };
  const trunkTop: Vec3 = [-12, hy + 5, heartTop + 12];
  const greatVessels: TubeSpec[] = [
    tube([12, hy, hz + 20], [10, hy - 5, archZ], aortaRadius),
    tube([10, hy - 5, archZ], descending, aortaRadius - 1),
    tube(descending, [descending[0] + 4, descending[1] + 8, -180], aortaRadius - 2),
    tube([hx + 15, hy + 25, hz + heart.radii[2] * 0.5], trunkTop, 13),
    tube(trunkTop, hila.left, 10, 7),
    tube(trunkTop, hila.right, 10, 7),
    tube([28, hy + 5, hz + 20], [28, cavity.cy + 10, 200], 9),
  ];

  const tracheaY = spineFront + random.uniform(22, 28);
  const carinaZ = archZ - random.uniform(5, 15);
  const bronchusEnd = (side: number): Vec3 => [
    side * random.uniform(48, 58),
    tracheaY - 10,
    carinaZ - random.uniform(22, 32),
  ];
  const bronchi = [bronchusEnd(1), bronchusEnd(-1)];
  const airwayPath: Array<[Vec3, Vec3]> = [
    [
      [0, tracheaY, 200],
      [0, tracheaY, carinaZ],
    ],
    ...bronchi.map((end): [Vec3, Vec3] => [[0, tracheaY, carinaZ], end]),
  ];
  const airways = {
    walls: airwayPath.map(([a, b], i) => tube(a, b, i === 0 ? 11 : 8)),
    lumens: airwayPath.map(([a, b], i) => tube(a, b, i === 0 ? 8.5 : 5.5)),
  };

  const lungVessels = sampleLungVessels(random, lungs, hila, body.cavity, domes);

  return {
    hu,
    body,
    spine,
    ribs,
    sternum: {
      outer: { kind: 'cylinder', centre: [0, anteriorWallY - 7], radii: [15, 7], zMin: -70, zMax: 160 },
      inner: { kind: 'cylinder', centre: [0, anteriorWallY - 7], radii: [11, 4], zMin: -67, zMax: 157 },
    },
    paraspinals: paraspinalMuscles(random, body, spine),
    lungs,
    domes,
    mediastinum,
    heart,
    heartFrame: frame,
    pericardialFatMm,
    cardiothoracicRatio,
    greatVessels,
    airways,
    esophagus: {
      kind: 'cylinder',
      centre: [spine.x - random.uniform(2, 8), spineFront + random.uniform(6, 9)],
      radii: [8, 6],
      zMin: -120,
      zMax: 200,
    },
    lungVessels,
    pleuralFloorY: cavity.cy - cavity.post * 0.93,
  };
}

function sampleLungVessels(
  random: SeededRandom,
  lungs: ChestAnatomy['lungs'],
  hila: { right: Vec3; left: Vec3 },
  cavity: CylinderSpec,
  domes: ChestAnatomy['domes'],
): TubeSpec[] {
  const vessels: TubeSpec[] = [];
  const cavityShape = compileShape(cavity);
  const domeShapes = [compileShape(growEllipsoid(domes.right, 8)), compileShape(growEllipsoid(domes.left, 8))];
  for (const side of ['right', 'left'] as const) {
    const lung = compileShape(lungs[side]);
    const { min, max } = lung.bounds;
    let made = 0;
    for (let attempt = 0; attempt < 400 && made < 14; attempt += 1) {
      const p: Vec3 = [random.uniform(min[0], max[0]), random.uniform(min[1], max[1]), random.uniform(-140, 150)];
      if (lung.distance(...p) > -12 || cavityShape.distance(...p) > -12) continue;
      if (domeShapes.some((d) => d.distance(...p) < 0)) continue;
      vessels.push(tube(hila[side], p, random.uniform(3.5, 5), random.uniform(1.2, 2)));
      made += 1;
    }
  }
  return vessels;
}
