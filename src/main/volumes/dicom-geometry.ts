/**
 * Geometry of a DICOM CT series: slices sorted along the slice normal (the cross product of the
 * ImageOrientationPatient row and column directions) by ImagePositionPatient, whatever the file
 * order; the slice spacing checked for duplicates and gaps; and the voxel-to-world affine, built
 * in DICOM's LPS+ and returned in RAS+ (x and y rows negated).
 */
import path from 'node:path';
import { UserError } from '../../shared/errors';
import type { DicomSliceHeader } from './dicom-scan';

/** Slices whose spacing differs from the series' typical spacing by more than this are refused. */
export const SPACING_TOLERANCE = 0.1;
/** Two slices closer than this (mm) along the normal are at the same position. */
const DUPLICATE_MM = 0.01;
const ORIENTATION_TOLERANCE = 1e-3;

export interface SliceStack {
  /** Slices from the lowest to the highest position along the slice normal. */
  slices: DicomSliceHeader[];
  /** Voxel (column, row, slice) -> RAS+ mm, row-major 4x4. */
  affine: number[];
}

export function stackSlices(slices: readonly DicomSliceHeader[], folder: string): SliceStack {
  const first = slices[0];
  if (!first) throw new UserError('VOLUME_INVALID', `${folder} holds no CT slices.`);
  const name = (slice: DicomSliceHeader): string => path.relative(folder, slice.file) || slice.file;
  const placed = slices.map((slice) => {
    if (!slice.imagePosition || !slice.imageOrientation || !slice.pixelSpacing) {
      const missing = [
        !slice.imagePosition && 'ImagePositionPatient',
        !slice.imageOrientation && 'ImageOrientationPatient',
        !slice.pixelSpacing && 'PixelSpacing',
      ].filter(Boolean);
      throw new UserError(
        'VOLUME_INVALID',
        `${folder}: ${name(slice)} has no ${missing.join(' or ')}, so its slice cannot be placed in 3D. Export the series with its geometry.`,
      );
    }
    return { slice, position: slice.imagePosition, orientation: slice.imageOrientation, spacing: slice.pixelSpacing };
  });
  const reference = placed[0];
  if (!reference) throw new UserError('VOLUME_INVALID', `${folder} holds no CT slices.`);
  for (const other of placed) {
    const differs = (a: number[], b: number[], tolerance: number): boolean =>
      a.some((v, i) => Math.abs(v - (b[i] ?? NaN)) > tolerance);
    const mixed =
      other.slice.rows !== first.rows || other.slice.columns !== first.columns
        ? `${other.slice.columns}x${other.slice.rows} pixels vs ${first.columns}x${first.rows}`
        : differs(other.orientation, reference.orientation, ORIENTATION_TOLERANCE)
          ? `orientation ${other.orientation.join('\\')} vs ${reference.orientation.join('\\')}`
          : differs(other.spacing, reference.spacing, 1e-3 * Math.max(...reference.spacing))
            ? `pixel spacing ${other.spacing.join('\\')} vs ${reference.spacing.join('\\')}`
            : undefined;
    if (mixed) {
      throw new UserError(
        'VOLUME_INVALID',
        `${folder} mixes slices that do not form one volume: ${name(other.slice)} and ${name(first)} differ in ${mixed}. Keep one acquisition per folder or choose another series.`,
      );
    }
  }

  const [r0, r1, r2, c0, c1, c2] = reference.orientation as [number, number, number, number, number, number];
  const normal = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
  const along = (p: number[]): number => p.reduce((sum, v, i) => sum + v * (normal[i] ?? 0), 0);
  const sorted = placed
    .map((entry) => ({ ...entry, distance: along(entry.position) }))
    .sort((a, b) => a.distance - b.distance);
  const step = sliceStep(sorted, normal, folder, name);

  const lowest = sorted[0] ?? reference;
  const [rowSpacing, columnSpacing] = reference.spacing as [number, number];
  // LPS+: i (column index) runs along the row direction, j (row index) along the column direction.
  const lps = [
    [r0 * columnSpacing, c0 * rowSpacing, step[0] ?? 0, lowest.position[0] ?? 0],
    [r1 * columnSpacing, c1 * rowSpacing, step[1] ?? 0, lowest.position[1] ?? 0],
    [r2 * columnSpacing, c2 * rowSpacing, step[2] ?? 0, lowest.position[2] ?? 0],
  ];
  const affine = [
    ...(lps[0] ?? []).map((v) => -v),
    ...(lps[1] ?? []).map((v) => -v),
    ...(lps[2] ?? []),
    0,
    0,
    0,
    1,
  ].map((v) => (Object.is(v, -0) ? 0 : v));
  return { slices: sorted.map((entry) => entry.slice), affine };
}

/** The vector from one slice to the next (LPS mm), after checking the spacing is regular. */
function sliceStep(
  sorted: readonly { slice: DicomSliceHeader; position: number[]; distance: number }[],
  normal: number[],
  folder: string,
  name: (slice: DicomSliceHeader) => string,
): number[] {
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last || sorted.length === 1) {
    const thickness = first?.slice.sliceSpacing;
    const spacing = thickness !== undefined && thickness > 0 ? thickness : 1;
    return normal.map((v) => v * spacing);
  }
  const gaps = sorted.slice(1).map((entry, i) => entry.distance - (sorted[i]?.distance ?? 0));
  gaps.forEach((gap, i) => {
    if (gap < DUPLICATE_MM) {
      const a = sorted[i];
      const b = sorted[i + 1];
      throw new UserError(
        'VOLUME_INVALID',
        `${folder} has two slices at the same position (${(a?.distance ?? 0).toFixed(2)} mm along the slice normal): ${a ? name(a.slice) : '?'} and ${b ? name(b.slice) : '?'}. The folder may hold two acquisitions under one SeriesInstanceUID or a duplicated file; keep one.`,
      );
    }
  });
  const typical = median(gaps);
  gaps.forEach((gap, i) => {
    if (Math.abs(gap - typical) > SPACING_TOLERANCE * typical) {
      const a = sorted[i];
      const b = sorted[i + 1];
      const what =
        gap > typical ? 'a gap: a slice seems to be missing' : 'an irregular step: slices are not evenly spaced';
      throw new UserError(
        'VOLUME_INVALID',
        `${folder} has ${what} between ${a ? name(a.slice) : '?'} and ${b ? name(b.slice) : '?'} (${gap.toFixed(2)} mm apart, where the series' slices are ${typical.toFixed(2)} mm apart). Check that every slice was exported.`,
      );
    }
  });
  return first.position.map((v, i) => ((last.position[i] ?? 0) - v) / (sorted.length - 1));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
