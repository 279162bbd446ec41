/**
 * Samples the abdominal findings a study carries, with sizes and positions that fit its anatomy:
 * lesions well inside the liver and clear of the vessels and kidneys that are drawn over it.
 */
import { BugError } from '../../shared/errors';
import type { SeededRandom } from '../../shared/seeded-random';
import type {
  AbdomenAnatomy,
  AbdomenFinding,
  AscitesFinding,
  LiverCystFinding,
  LiverMassFinding,
  SplenomegalyFinding,
  SteatosisFinding,
} from './abdomen-plan-types';
import { liverSegmentAt } from './liver-segments';
import type { AbdomenFindingName } from './phantom-findings';
import { cavityExtent, spineKeepOut } from './sample-body-frame';
import { spleenShape } from './sample-abdomen-anatomy';
import { compileShape, ellipsoidAxis } from './shape-distance';
import { growShape, randomWobble, round } from './shape-builders';
import type { ShapeSpec, Vec3 } from './shape-spec';

/** Lesion centres stay this far inside the field of view the default grids cover. */
const MAX_ABS_Z = 135;

export function sampleAbdomenFindings(
  random: SeededRandom,
  anatomy: AbdomenAnatomy,
  present: ReadonlySet<AbdomenFindingName>,
): AbdomenFinding[] {
  const findings: AbdomenFinding[] = [];
  const steatosis = present.has('steatosis') ? sampleSteatosis(random) : undefined;
  if (steatosis) findings.push(steatosis);
  if (present.has('splenomegaly')) findings.push(sampleSplenomegaly(random, anatomy));
  const liverHu = steatosis?.liverHu ?? anatomy.hu.liver;
  const placed: Array<{ centre: Vec3; radius: number }> = [];
  if (present.has('liver_mass')) {
    const mass = sampleLiverMass(random, anatomy, liverHu);
    findings.push(mass);
    placed.push({ centre: mass.centre, radius: mass.diameterCm * 5 });
  }
  if (present.has('liver_cyst')) findings.push(sampleLiverCyst(random, anatomy, placed));
  if (present.has('ascites')) {
    const spleen = findings.find((f): f is SplenomegalyFinding => f.name === 'splenomegaly')?.spleen ?? anatomy.spleen;
    findings.push(sampleAscites(random, anatomy, spleen));
  }
  return findings;
}

function sampleSteatosis(random: SeededRandom): SteatosisFinding {
  const severity = random.pick(['mild', 'moderate', 'severe'] as const);
  const range = { mild: [34, 40], moderate: [27, 34], severe: [20, 27] } as const;
  const [min, max] = range[severity];
  return { name: 'steatosis', liverHu: Math.round(random.uniform(min, max)), severity };
}

function sampleSplenomegaly(random: SeededRandom, anatomy: AbdomenAnatomy): SplenomegalyFinding {
  const normal = anatomy.spleen;
  const half = normal.radii[2];
  const axis = ellipsoidAxis(normal, 2);
  const lengthCm = round(random.uniform(14, 18.5), 1);
  const widthMm = normal.radii[0] * random.uniform(1.15, 1.3);
  const spleen = spleenShape({
    lengthCm,
    widthMm,
    thicknessMm: normal.radii[1] * random.uniform(1.2, 1.4),
    // An enlarging spleen grows mostly downwards: its long axis turns more craniocaudal.
    pitchDeg: (normal.pitchDeg ?? 0) * 0.6,
    yawDeg: normal.yawDeg ?? 0,
    superiorPole: { y: normal.centre[1] + half * axis[1], z: normal.centre[2] + half * axis[2] },
    lateralEdgeX: normal.centre[0] - normal.radii[0],
    wobble: normal.wobble,
  });
  return { name: 'splenomegaly', spleen, lengthCm };
}

/** Shapes drawn over (or instead of) the liver: a lesion must keep clear of them to be seen whole. */
function liverObstacles(anatomy: AbdomenAnatomy): ShapeSpec[] {
  return [
    ...anatomy.kidneys.map((k) => k.cortex),
    ...anatomy.paraspinals,
    ...anatomy.psoas,
    ...spineKeepOut(anatomy.spine),
    anatomy.ivc,
    anatomy.aorta,
    ...anatomy.portalVeins.slice(0, 1),
    ...anatomy.pancreas,
    anatomy.stomach.wall,
  ];
}

/** A point at least `radius + margin` inside the liver, clear of obstacles and other lesions; null if none. */
function sampleLiverPoint(
  random: SeededRandom,
  anatomy: AbdomenAnatomy,
  radius: number,
  avoid: ReadonlyArray<{ centre: Vec3; radius: number }>,
): Vec3 | null {
  const liver = compileShape({ kind: 'union', of: [anatomy.liver.rightLobe, anatomy.liver.leftLobe] });
  const obstacles = liverObstacles(anatomy).map(compileShape);
  const { min, max } = liver.bounds;
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const p: Vec3 = [random.uniform(min[0], max[0]), random.uniform(min[1], max[1]), random.uniform(min[2], max[2])];
    if (Math.abs(p[2]) > MAX_ABS_Z - radius) continue;
    if (liver.distance(...p) > -(radius + 6)) continue;
    if (obstacles.some((o) => o.distance(...p) < radius + 6)) continue;
    if (
      avoid.some((a) => Math.hypot(p[0] - a.centre[0], p[1] - a.centre[1], p[2] - a.centre[2]) < radius + a.radius + 8)
    ) {
      continue;
    }
    return p;
  }
  return null;
}

function placeLesion(
  random: SeededRandom,
  anatomy: AbdomenAnatomy,
  diameterCm: number,
  minDiameterCm: number,
  avoid: ReadonlyArray<{ centre: Vec3; radius: number }>,
): { centre: Vec3; diameterCm: number } {
  let diameter = diameterCm;
  for (;;) {
    const centre = sampleLiverPoint(random, anatomy, diameter * 5, avoid);
    if (centre) return { centre, diameterCm: round(diameter, 1) };
    if (diameter <= minDiameterCm) break;
    diameter = Math.max(minDiameterCm, diameter * 0.85);
  }
  // The right lobe is always large enough for the smallest lesion; this is a planner bug.
  throw new BugError(`No room in the liver for a ${minDiameterCm} cm lesion.`);
}

function sampleLiverMass(random: SeededRandom, anatomy: AbdomenAnatomy, liverHu: number): LiverMassFinding {
  const { centre, diameterCm } = placeLesion(random, anatomy, random.uniform(1.5, 6), 1.5, []);
  const washout = random.next() < 0.8;
  const contrast = washout ? random.uniform(-35, -15) : random.uniform(-4, 4);
  // Floor at 5 HU so that a washout lesion stays at least 15 HU below even a severely fatty liver.
  const lesionHu = Math.round(Math.max(5, liverHu + contrast));
  const difference = lesionHu - liverHu;
  const attenuation = difference < -10 ? 'hypo' : 'iso';
  return {
    name: 'liver_mass',
    centre,
    diameterCm,
    segment: liverSegmentAt(anatomy.liver, centre),
    attenuation,
    lesionHu,
    capsule: attenuation !== 'hypo' || random.next() < 0.4,
    capsuleHu: Math.round(liverHu + random.uniform(18, 30)),
    wobble: randomWobble(random, 0.1, 3, 2),
  };
}

function sampleLiverCyst(
  random: SeededRandom,
  anatomy: AbdomenAnatomy,
  avoid: ReadonlyArray<{ centre: Vec3; radius: number }>,
): LiverCystFinding {
  const { centre, diameterCm } = placeLesion(random, anatomy, random.uniform(1.2, 4), 1.2, avoid);
  return {
    name: 'liver_cyst',
    centre,
    diameterCm,
    segment: liverSegmentAt(anatomy.liver, centre),
    hu: Math.round(random.uniform(0, 15)),
  };
}

function sampleAscites(random: SeededRandom, anatomy: AbdomenAnatomy, spleen: ShapeSpec): AscitesFinding {
  const amount = random.pick(['small', 'small', 'moderate', 'moderate', 'large'] as const);
  const scale = { small: 1, moderate: 1.4, large: 2 }[amount];
  const cavity = cavityExtent(anatomy.body);
  const liver: ShapeSpec = { kind: 'union', of: [anatomy.liver.rightLobe, anatomy.liver.leftLobe] };
  const regions: AscitesFinding['regions'] = [
    { site: 'perihepatic', shape: growShape(liver, random.uniform(7, 11) * scale) },
    {
      site: 'pelvic',
      shape: {
        kind: 'ellipsoid',
        centre: [0, cavity.cy + random.uniform(0, 15), -135],
        radii: [
          random.uniform(60, 75) * scale,
          random.uniform(35, 45) * Math.min(scale, 1.5),
          random.uniform(28, 36) * scale,
        ],
      },
    },
  ];
  if (amount !== 'small') {
    regions.push({ site: 'perisplenic', shape: growShape(spleen, random.uniform(7, 10) * scale) });
    for (const side of [1, -1]) {
      regions.push({
        site: side > 0 ? 'right paracolic' : 'left paracolic',
        shape: {
          kind: 'ellipsoid',
          centre: [side * (cavity.rx - 22), cavity.cy + random.uniform(-15, 5), random.uniform(-70, -40)],
          radii: [random.uniform(18, 24) * scale, random.uniform(35, 45) * scale, random.uniform(60, 80)],
        },
      });
    }
  }
  return { name: 'ascites', amount, hu: Math.round(random.uniform(2, 15)), regions };
}
