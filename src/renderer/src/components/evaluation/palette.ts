/** Colours of the evaluation plots: categorical groups, and a viridis-like ramp for heatmaps. */

const CATEGORICAL = ['#4aa3ff', '#e5534b', '#3fb27f', '#d4a72c', '#b083f0', '#39c5cf', '#f0883e', '#8b98a5'];

export function groupColour(index: number): string {
  return CATEGORICAL[Math.max(0, index) % CATEGORICAL.length] ?? '#8b98a5';
}

/** Viridis at 0, .25, .5, .75, 1. */
export const RAMP: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** The ramp's colour at t in [0, 1]. */
export function rampColour(t: number): [number, number, number] {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0.5));
  const position = clamped * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(position));
  const f = position - i;
  const a = RAMP[i] ?? ([0, 0, 0] as const);
  const b = RAMP[i + 1] ?? a;
  return [0, 1, 2].map((c) => Math.round((a[c] ?? 0) + f * ((b[c] ?? 0) - (a[c] ?? 0)))) as [number, number, number];
}

/** A CSS gradient of the ramp, for legends. */
export const RAMP_GRADIENT = `linear-gradient(to right, ${RAMP.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`).join(', ')})`;
