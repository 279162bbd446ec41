/**
 * The two simulated institutions. "source" is the calibrated scanner whose reports read like
 * the pretraining data; "second" mimics the institution shift of the papers: a calibration
 * offset, more (and white, sharp-kernel) noise, another voxel spacing and another reporting
 * style (British spelling, other headers, terser sentences).
 */
import type { PhantomGrid } from './phantom-grid';
import type { PhantomRegion, ScannerName } from './phantom-findings';

/** How one scanner turns the ideal HU scene into an image. */
export interface AcquisitionParams {
  /** Calibration shift added to every voxel (HU). */
  huOffset: number;
  /** Standard deviation of the image noise (HU) after the kernel. */
  noiseSdHu: number;
  /** In-plane noise correlation: weight of each neighbour (0 = white noise of a sharp kernel, ≤ 0.33). */
  noiseCorrelation: number;
  /** In-plane blur of the image by the reconstruction kernel: weight of each neighbour (0 = none, ≤ 0.33). */
  kernelBlur: number;
}

export type ReportStyle = 'american-structured' | 'british-terse';

export interface ScannerProfile {
  name: ScannerName;
  description: string;
  acquisition: AcquisitionParams;
  /** The grid a study from this scanner is rendered onto by default. */
  grids: Record<PhantomRegion, PhantomGrid>;
  reportStyle: ReportStyle;
}

export const SCANNER_PROFILES: Record<ScannerName, ScannerProfile> = {
  source: {
    name: 'source',
    description: 'Source institution: calibrated, soft kernel, 4 x 4 x 5 mm, American structured reports',
    acquisition: { huOffset: 0, noiseSdHu: 10, noiseCorrelation: 0.25, kernelBlur: 0.15 },
    grids: {
      abdomen: { dims: [96, 96, 64], spacingMm: [4, 4, 5] },
      chest: { dims: [96, 96, 64], spacingMm: [4, 4, 5] },
    },
    reportStyle: 'american-structured',
  },
  second: {
    name: 'second',
    description:
      'Second institution: +30 HU calibration offset, sharp kernel with twice the noise, 3.2 x 3.2 x 6 mm, British terse reports',
    acquisition: { huOffset: 30, noiseSdHu: 22, noiseCorrelation: 0, kernelBlur: 0 },
    grids: {
      abdomen: { dims: [120, 120, 52], spacingMm: [3.2, 3.2, 6] },
      chest: { dims: [120, 120, 52], spacingMm: [3.2, 3.2, 6] },
    },
    reportStyle: 'british-terse',
  },
};

/** The default render grid for a region on a scanner (both cover about 384 x 384 x 315 mm). */
export function defaultPhantomGrid(region: PhantomRegion, scanner: ScannerName = 'source'): PhantomGrid {
  const grid = SCANNER_PROFILES[scanner].grids[region];
  return { dims: [...grid.dims], spacingMm: [...grid.spacingMm] };
}
