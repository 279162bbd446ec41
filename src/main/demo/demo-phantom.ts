/**
 * Placeholder abdominal phantoms for the first-start demo project: a body with fat, muscle,
 * liver, spleen, kidneys, aorta and spine at realistic HU, and optional findings (liver
 * mass, liver cyst, splenomegaly, ascites). The volumes issue replaces this with the full
 * phantom cohort generator.
 */
import { SeededRandom } from '../../shared/seeded-random';

export interface PhantomFindings {
  liverMass: boolean;
  liverCyst: boolean;
  splenomegaly: boolean;
  ascites: boolean;
}

export interface Phantom {
  data: Int16Array;
  dims: [number, number, number];
  spacingMm: [number, number, number];
  /** Row-major 4x4, RAS+, volume centred on the origin. */
  affine: number[];
}

export const DEMO_DIMS: [number, number, number] = [64, 64, 32];
export const DEMO_SPACING_MM: [number, number, number] = [5, 5, 5];

type Ellipsoid = { cx: number; cy: number; cz: number; rx: number; ry: number; rz: number };

export function makeAbdomenPhantom(seed: number, findings: PhantomFindings): Phantom {
  const random = new SeededRandom(seed);
  const [nx, ny, nz] = DEMO_DIMS;
  const [sx, sy, sz] = DEMO_SPACING_MM;
  const jitter = (mm: number): number => random.uniform(-mm, mm);

  // World coordinates in mm, RAS+: +x towards the patient's right, +y anterior, +z superior.
  const body: Ellipsoid = { cx: 0, cy: 0, cz: 0, rx: 140 + jitter(10), ry: 100 + jitter(8), rz: 1e9 };
  const inner: Ellipsoid = { ...body, rx: body.rx - 15, ry: body.ry - 15 };
  const liver: Ellipsoid = { cx: 55 + jitter(5), cy: 10 + jitter(5), cz: 30, rx: 60, ry: 55, rz: 55 };
  const spleenScale = findings.splenomegaly ? 1.6 : 1;
  const spleen: Ellipsoid = {
    cx: -75,
    cy: -20,
    cz: 35,
    rx: 22 * spleenScale,
    ry: 30 * spleenScale,
    rz: 35 * spleenScale,
  };
  const kidneys: Ellipsoid[] = [-1, 1].map((side) => ({ cx: side * 55, cy: -45, cz: -25, rx: 20, ry: 25, rz: 45 }));
  const aorta: Ellipsoid = { cx: -10, cy: -35, cz: 0, rx: 10, ry: 10, rz: 1e9 };
  const spine: Ellipsoid = { cx: 0, cy: -65, cz: 0, rx: 20, ry: 18, rz: 1e9 };
  const lesion: Ellipsoid = {
    cx: liver.cx + jitter(15),
    cy: liver.cy + jitter(15),
    cz: liver.cz + jitter(10),
    rx: 0,
    ry: 0,
    rz: 0,
  };
  const lesionRadius = random.uniform(14, 22);
  Object.assign(lesion, { rx: lesionRadius, ry: lesionRadius, rz: lesionRadius });
  const cyst: Ellipsoid = { cx: liver.cx - 20, cy: liver.cy - 15, cz: liver.cz - 15, rx: 10, ry: 10, rz: 10 };

  const data = new Int16Array(nx * ny * nz);
  const ox = -((nx - 1) / 2) * sx;
  const oy = -((ny - 1) / 2) * sy;
  const oz = -((nz - 1) / 2) * sz;
  for (let k = 0; k < nz; k += 1) {
    const z = oz + k * sz;
    for (let j = 0; j < ny; j += 1) {
      const y = oy + j * sy;
      for (let i = 0; i < nx; i += 1) {
        const x = ox + i * sx;
        let hu = -1000;
        if (inside(body, x, y, z)) {
          hu = -100; // subcutaneous fat
          if (inside(inner, x, y, z)) {
            hu = 40; // muscle and bowel wall
            if (findings.ascites && y > 40 && !inside(liver, x, y, z)) hu = 8;
            if (inside(liver, x, y, z)) hu = 60;
            if (findings.liverMass && inside(lesion, x, y, z)) hu = 25;
            if (findings.liverCyst && inside(cyst, x, y, z)) hu = 2;
            if (inside(spleen, x, y, z)) hu = 50;
            for (const kidney of kidneys) if (inside(kidney, x, y, z)) hu = 150;
            if (inside(aorta, x, y, z)) hu = 180;
            if (inside(spine, x, y, z)) hu = 600;
          }
          hu += random.normal() * 12;
        } else {
          hu += random.normal() * 5;
        }
        data[i + nx * (j + ny * k)] = Math.round(Math.max(-1024, Math.min(3071, hu)));
      }
    }
  }
  const affine = [sx, 0, 0, ox, 0, sy, 0, oy, 0, 0, sz, oz, 0, 0, 0, 1];
  return { data, dims: [nx, ny, nz], spacingMm: [sx, sy, sz], affine };
}

function inside(e: Ellipsoid, x: number, y: number, z: number): boolean {
  const dx = (x - e.cx) / e.rx;
  const dy = (y - e.cy) / e.ry;
  const dz = (z - e.cz) / e.rz;
  return dx * dx + dy * dy + dz * dz <= 1;
}
