/** Samples the stomach, small-bowel loops and colon: walls, fluid content and non-dependent gas. */
import type { SeededRandom } from '../../shared/seeded-random';
import type { HollowOrganSpec } from './abdomen-plan-types';
import type { cavityExtent } from './sample-body-frame';
import { growShape, randomWobble, tube } from './shape-builders';
import type { EllipsoidSpec, ShapeSpec } from './shape-spec';

type Cavity = ReturnType<typeof cavityExtent>;

const WALL_MM = 3;

function hollow(wall: ShapeSpec, contentHu: number, gasAboveY: number | null, wallMm = WALL_MM): HollowOrganSpec {
  return { wall, lumen: growShape(wall, -wallMm), contentHu, gasAboveY };
}

export function sampleStomach(random: SeededRandom, cavity: Cavity): HollowOrganSpec {
  const ry = random.uniform(25, 32);
  const wall: EllipsoidSpec = {
    kind: 'ellipsoid',
    centre: [-random.uniform(45, 60), cavity.cy + random.uniform(15, 32), random.uniform(90, 110)],
    radii: [random.uniform(35, 45), ry, random.uniform(35, 45)],
    yawDeg: random.uniform(20, 40),
    wobble: randomWobble(random, 0.06),
  };
  return hollow(wall, Math.round(random.uniform(5, 25)), wall.centre[1] + ry * random.uniform(0.2, 0.5), 4);
}

export function sampleBowel(random: SeededRandom, cavity: Cavity): HollowOrganSpec[] {
  const loops: HollowOrganSpec[] = [];
  const count = random.int(14, 23);
  for (let i = 0; i < count; i += 1) {
    const r = random.uniform(12, 17);
    const wall: EllipsoidSpec = {
      kind: 'ellipsoid',
      centre: [
        random.uniform(-cavity.rx + 35, cavity.rx - 35),
        random.uniform(cavity.cy - 20, cavity.cy + cavity.ant - 22),
        random.uniform(-150, 30),
      ],
      radii: [r, r * random.uniform(0.85, 1.1), random.uniform(22, 42)],
      yawDeg: random.uniform(0, 180),
      pitchDeg: random.uniform(-70, 70),
      wobble: randomWobble(random, 0.08),
    };
    const gas = random.next() < 0.35 ? wall.centre[1] + r * random.uniform(-0.1, 0.5) : null;
    loops.push(hollow(wall, Math.round(random.uniform(5, 35)), gas));
  }

  const colonX = cavity.rx - 30;
  const stool = (): number => Math.round(random.uniform(-60, 20));
  const ascending: ShapeSpec = {
    kind: 'cylinder',
    centre: [colonX, cavity.cy + random.uniform(-15, 5)],
    radii: [22, 22],
    zMin: -110,
    zMax: 35,
    wobble: randomWobble(random, 0.08),
  };
  const transverseY = cavity.cy + random.uniform(25, 40);
  const transverse = tube([colonX, transverseY, 30], [-colonX, transverseY + random.uniform(-10, 10), 45], 17);
  const descending: ShapeSpec = {
    kind: 'cylinder',
    centre: [-(cavity.rx - 28), cavity.cy + random.uniform(-20, 0)],
    radii: [19, 19],
    zMin: -110,
    zMax: 55,
    wobble: randomWobble(random, 0.08),
  };
  const sigmoid = tube([-(cavity.rx - 28), cavity.cy - 10, -110], [0, cavity.cy - cavity.post + 40, -175], 18);
  const gasLevel = (centreY: number, radius: number): number | null =>
    random.next() < 0.6 ? centreY + radius * random.uniform(0.1, 0.6) : null;
  loops.push(
    hollow(ascending, stool(), gasLevel(ascending.centre[1], 22)),
    hollow(transverse, stool(), gasLevel(transverseY, 17)),
    hollow(descending, stool(), gasLevel(descending.centre[1], 19)),
    hollow(sigmoid, stool(), gasLevel(cavity.cy - 20, 18)),
  );
  return loops;
}
