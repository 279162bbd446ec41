/** The "second" scanner is a different institution: calibration offset, noise, spacing, reporting style. */
import { describe, expect, it } from 'vitest';
import {
  defaultPhantomGrid,
  planCohort,
  planOnScanner,
  renderPhantomWithTissues,
  SCANNER_PROFILES,
  TISSUE,
  writePhantomReport,
  type PhantomGrid,
  type PhantomRegion,
  type ScannerName,
} from '../../../src/main/phantoms';
import { collect, mean, standardDeviation } from './volume-probes';

/** Voxels well inside a tissue (all 26 neighbours the same tissue), so edges and kernel blur stay out. */
function interior(tissues: Uint8Array, dims: readonly [number, number, number], tissue: number): number[] {
  const [nx, ny, nz] = dims;
  const inside: number[] = [];
  for (let k = 1; k < nz - 1; k += 1) {
    for (let j = 1; j < ny - 1; j += 1) {
      for (let i = 1; i < nx - 1; i += 1) {
        const n = i + nx * (j + ny * k);
        let all = true;
        for (let dk = -1; dk <= 1 && all; dk += 1) {
          for (let dj = -1; dj <= 1 && all; dj += 1) {
            for (let di = -1; di <= 1 && all; di += 1) {
              if (tissues[n + di + nx * (dj + ny * dk)] !== tissue) all = false;
            }
          }
        }
        if (all) inside.push(n);
      }
    }
  }
  return inside;
}

function words(texts: readonly string[]): Set<string> {
  return new Set(texts.flatMap((t) => t.toLowerCase().match(/[a-z]+/g) ?? []));
}

describe('second scanner', () => {
  it('shifts the liver and soft tissue by the configured offset (±3 HU) and is noisier', () => {
    const grid = defaultPhantomGrid('abdomen', 'source');
    for (const plan of planCohort({
      region: 'abdomen',
      count: 3,
      seed: 91,
      scanner: 'source',
      prevalence: { liver_mass: 0, liver_cyst: 0 },
    })) {
      const source = renderPhantomWithTissues(plan, grid);
      const second = renderPhantomWithTissues(planOnScanner(plan, 'second'), grid);
      const liver = interior(source.tissues, grid.dims, TISSUE.liver);
      expect(liver.length).toBeGreaterThan(500);
      const values = (v: Int16Array): number[] => liver.map((n) => v[n] ?? NaN);
      const shift = mean(values(second.volume.data)) - mean(values(source.volume.data));
      expect(
        Math.abs(shift - SCANNER_PROFILES.second.acquisition.huOffset),
        `${plan.studyUid} shift ${shift}`,
      ).toBeLessThan(3);
      const muscleVoxels = interior(source.tissues, grid.dims, TISSUE.muscle);
      expect(muscleVoxels.length).toBeGreaterThan(200);
      const muscle = (v: Int16Array): number[] => muscleVoxels.map((n) => v[n] ?? NaN);
      const muscleShift = mean(muscle(second.volume.data)) - mean(muscle(source.volume.data));
      expect(Math.abs(muscleShift - SCANNER_PROFILES.second.acquisition.huOffset)).toBeLessThan(3);
      expect(standardDeviation(values(second.volume.data))).toBeGreaterThan(
        1.5 * standardDeviation(values(source.volume.data)),
      );
    }
  });

  it('takes another offset when asked, and renders on a different default spacing', () => {
    const grid: PhantomGrid = { dims: [64, 64, 40], spacingMm: [6, 6, 8] };
    const [plan] = planCohort({
      region: 'chest',
      count: 1,
      seed: 92,
      scanner: 'second',
      acquisition: { huOffset: 25 },
    });
    if (!plan) throw new Error('no plan');
    const calibrated = renderPhantomWithTissues(planOnScanner(plan, 'second', { huOffset: 0 }), grid);
    const shifted = renderPhantomWithTissues(plan, grid);
    const heart = calibrated.tissues.reduce((count, t) => count + (t === TISSUE.heart ? 1 : 0), 0);
    expect(heart).toBeGreaterThan(50);
    const heartValues = (v: Int16Array): number[] =>
      collect(calibrated.volume, (_p, n) => calibrated.tissues[n] === TISSUE.heart).indices.map((n) => v[n] ?? NaN);
    expect(mean(heartValues(shifted.volume.data)) - mean(heartValues(calibrated.volume.data))).toBeCloseTo(25, 0);
    for (const region of ['abdomen', 'chest'] as const) {
      expect(defaultPhantomGrid(region, 'second').spacingMm).not.toEqual(
        defaultPhantomGrid(region, 'source').spacingMm,
      );
    }
  });

  it.each<PhantomRegion>(['abdomen', 'chest'])(
    'writes %s reports in another vocabulary, spelling and header convention',
    (region) => {
      const reports = (scanner: ScannerName): string[] =>
        planCohort({ region, count: 150, seed: 93, scanner }).map((plan) => writePhantomReport(plan));
      const source = reports('source');
      const second = reports('second');
      const sourceWords = words(source);
      const secondWords = words(second);
      const onlySource = [...sourceWords].filter((w) => !secondWords.has(w));
      const onlySecond = [...secondWords].filter((w) => !sourceWords.has(w));
      expect(onlySource.length).toBeGreaterThanOrEqual(15);
      expect(onlySecond.length).toBeGreaterThanOrEqual(10);
      // British spellings only from the second institution, American ones only from the source.
      for (const british of ['calibre', 'tumour', 'oesophagus', 'haemoptysis', 'characterise'])
        expect(sourceWords.has(british)).toBe(false);
      for (const american of ['caliber', 'tumor', 'esophagus', 'characterize'])
        expect(secondWords.has(american)).toBe(false);
      expect(
        onlySecond.some((w) => ['calibre', 'tumour', 'oesophagus', 'haemoptysis', 'characterise'].includes(w)),
      ).toBe(true);
      // Header conventions do not overlap.
      const headers = (texts: string[]): Set<string> =>
        new Set(texts.flatMap((t) => t.match(/^[A-Za-z ]+:(?=\s)/gm) ?? []).map((h) => h.toLowerCase()));
      const sourceHeaders = headers(source);
      const secondHeaders = headers(second);
      for (const header of ['findings:', 'impression:']) {
        expect(sourceHeaders.has(header)).toBe(true);
        expect(secondHeaders.has(header)).toBe(false);
      }
      for (const header of ['report:', 'opinion:', 'clinical details:']) {
        expect(secondHeaders.has(header)).toBe(true);
        expect(sourceHeaders.has(header)).toBe(false);
      }
      // Terser: fewer words per report on average.
      const length = (texts: string[]): number => mean(texts.map((t) => (t.match(/\S+/g) ?? []).length));
      expect(length(second)).toBeLessThan(0.75 * length(source));
    },
  );
});
