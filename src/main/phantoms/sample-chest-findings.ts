/**
 * Samples the chest findings a study carries, fitted to its anatomy: nodules in aerated lung
 * clear of the mediastinum and any effusion, effusion levels above the pleural floor, an
 * enlarged heart in the same frame as the normal one, emphysema patches inside the lungs.
 */
import { BugError } from '../../shared/errors';
import type { SeededRandom } from '../../shared/seeded-random';
import type {
  CardiomegalyFinding,
  ChestAnatomy,
  ChestFinding,
  EmphysemaFinding,
  LungNoduleFinding,
  PleuralEffusionFinding,
} from './chest-plan-types';
import { heartShape } from './heart-geometry';
import { lungLobeAt, lungSideAt } from './lung-lobes';
import { spineKeepOut } from './sample-body-frame';
import { effusionLevelAt } from './pleural-effusion-geometry';
import type { ChestFindingName } from './phantom-findings';
import { compileShape, type CompiledShape } from './shape-distance';
import { growEllipsoid, randomWobble, round } from './shape-builders';
import type { EllipsoidSpec, Vec3 } from './shape-spec';

/** Finding centres stay this far inside the field of view the default grids cover. */
const MAX_ABS_Z = 130;

export function sampleChestFindings(
  random: SeededRandom,
  anatomy: ChestAnatomy,
  present: ReadonlySet<ChestFindingName>,
): ChestFinding[] {
  const findings: ChestFinding[] = [];
  let heart = anatomy.heart;
  if (present.has('cardiomegaly')) {
    const cardiomegaly = sampleCardiomegaly(random, anatomy);
    heart = cardiomegaly.heart;
    findings.push(cardiomegaly);
  }
  const effusion = present.has('pleural_effusion') ? sampleEffusion(random, anatomy) : undefined;
  if (effusion) findings.push(effusion);
  if (present.has('emphysema')) findings.push(sampleEmphysema(random, anatomy));
  if (present.has('lung_nodule')) findings.push(sampleNodule(random, anatomy, heart, effusion));
  return findings;
}

function sampleCardiomegaly(random: SeededRandom, anatomy: ChestAnatomy): CardiomegalyFinding {
  const cardiothoracicRatio = round(random.uniform(0.56, 0.66), 2);
  const heart = heartShape({
    ...anatomy.heartFrame,
    cardiothoracicRatio,
    pericardialFatMm: anatomy.pericardialFatMm,
    halfDepthMm: random.uniform(50, 58),
    halfHeightMm: anatomy.heart.radii[2] * random.uniform(1.05, 1.15),
  });
  return { name: 'cardiomegaly', heart, cardiothoracicRatio };
}

function sampleEffusion(random: SeededRandom, anatomy: ChestAnatomy): PleuralEffusionFinding {
  const side = random.pick(['right', 'right', 'left', 'left', 'bilateral', 'bilateral', 'bilateral'] as const);
  const size = random.pick(['small', 'small', 'moderate', 'moderate', 'large'] as const);
  const depth = { small: [25, 40], moderate: [40, 60], large: [60, 85] } as const;
  const level = (): number => round(anatomy.pleuralFloorY + random.uniform(depth[size][0], depth[size][1]), 1);
  return {
    name: 'pleural_effusion',
    side,
    size,
    levelY: {
      right: side === 'left' ? null : level(),
      left: side === 'right' ? null : level(),
    },
    baseZ: round(Math.max(anatomy.domes.right.centre[2] + anatomy.domes.right.radii[2], -MAX_ABS_Z), 1),
    slope: round(random.uniform(0.05, 0.09), 3),
    hu: Math.round(random.uniform(5, 18)),
  };
}

function lungShapes(anatomy: ChestAnatomy): {
  lungs: CompiledShape[];
  cavity: CompiledShape;
  blockers: CompiledShape[];
} {
  return {
    lungs: [compileShape(anatomy.lungs.right), compileShape(anatomy.lungs.left)],
    cavity: compileShape(anatomy.body.cavity),
    blockers: [
      compileShape(anatomy.mediastinum),
      compileShape(anatomy.domes.right),
      compileShape(anatomy.domes.left),
      compileShape(anatomy.esophagus),
      ...anatomy.paraspinals.map(compileShape),
      ...spineKeepOut(anatomy.spine).map(compileShape),
      ...anatomy.greatVessels.map(compileShape),
      ...anatomy.airways.walls.map(compileShape),
    ],
  };
}

function sampleEmphysema(random: SeededRandom, anatomy: ChestAnatomy): EmphysemaFinding {
  const severity = random.pick(['mild', 'moderate', 'severe'] as const);
  const distribution = random.next() < 0.7 ? 'upper' : 'diffuse';
  // On the source grid: about 2–3 %, 7–10 % and 25 % more of the lung volume below −930 HU.
  const count = { mild: [90, 120], moderate: [160, 210], severe: [230, 290] }[severity];
  const radius = { mild: [7, 10], moderate: [9, 13], severe: [11, 16] }[severity];
  const wanted = random.int(count[0] ?? 14, (count[1] ?? 22) + 1);
  const { lungs, cavity } = lungShapes(anatomy);
  const patches: EmphysemaFinding['patches'] = [];
  for (let attempt = 0; attempt < wanted * 40 && patches.length < wanted; attempt += 1) {
    const lung = random.pick(lungs);
    const { min, max } = lung.bounds;
    const zMin = distribution === 'upper' && random.next() < 0.85 ? 0 : -MAX_ABS_Z;
    const p: Vec3 = [random.uniform(min[0], max[0]), random.uniform(min[1], max[1]), random.uniform(zMin, MAX_ABS_Z)];
    if (lung.distance(...p) > -4 || cavity.distance(...p) > -4) continue;
    patches.push({
      centre: p.map((v) => round(v, 1)) as Vec3,
      radiusMm: round(random.uniform(radius[0] ?? 5, radius[1] ?? 9), 1),
    });
  }
  return { name: 'emphysema', severity, distribution, hu: Math.round(random.uniform(-985, -955)), patches };
}

function sampleNodule(
  random: SeededRandom,
  anatomy: ChestAnatomy,
  heart: EllipsoidSpec,
  effusion: PleuralEffusionFinding | undefined,
): LungNoduleFinding {
  const { lungs, cavity, blockers } = lungShapes(anatomy);
  const heartWithFat = compileShape(growEllipsoid(heart, anatomy.pericardialFatMm));
  let diameterMm = round(6 + 24 * random.next() ** 2, 0);
  for (;;) {
    const radius = diameterMm / 2;
    for (let attempt = 0; attempt < 500; attempt += 1) {
      const lung = random.pick(lungs);
      const { min, max } = lung.bounds;
      const p: Vec3 = [
        random.uniform(min[0], max[0]),
        random.uniform(min[1], max[1]),
        random.uniform(-MAX_ABS_Z, MAX_ABS_Z),
      ];
      if (Math.abs(p[2]) > MAX_ABS_Z - radius) continue;
      if (lung.distance(...p) > -(radius + 8) || cavity.distance(...p) > -(radius + 10)) continue;
      if (heartWithFat.distance(...p) < radius + 8) continue;
      if (blockers.some((b) => b.distance(...p) < radius + 8)) continue;
      const level = effusion ? effusionLevelAt(effusion, lungSideAt(p), p[2]) : null;
      if (level !== null && p[1] < level + radius + 10) continue;
      return {
        name: 'lung_nodule',
        centre: p.map((v) => round(v, 1)) as Vec3,
        diameterMm,
        lobe: lungLobeAt(anatomy.lungs, p),
        hu: Math.round(random.uniform(20, 45)),
        wobble: randomWobble(random, 0.08, 3, 2),
      };
    }
    // Only a very large effusion with cardiomegaly leaves so little lung: try a smaller nodule.
    if (diameterMm <= 6) throw new BugError('No room in the lungs for a 6 mm nodule.');
    diameterMm = Math.max(6, diameterMm - 4);
  }
}
