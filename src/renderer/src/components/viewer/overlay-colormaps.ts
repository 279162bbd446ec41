/** Colormaps offered for the Grad-CAM overlay (vtk.js presets cornerstone3D resolves by name), and their CSS gradients. */
import { utilities } from '@cornerstonejs/core';

export const OVERLAY_COLORMAPS = [
  { name: 'Black-Body Radiation', label: 'Hot' },
  { name: 'jet', label: 'Jet' },
  { name: 'Inferno (matplotlib)', label: 'Inferno' },
  { name: 'Viridis (matplotlib)', label: 'Viridis' },
] as const;
export type OverlayColormap = (typeof OVERLAY_COLORMAPS)[number]['name'];
export const DEFAULT_OVERLAY_COLORMAP: OverlayColormap = 'Black-Body Radiation';

/** A left-to-right CSS gradient of a colormap over its whole range (0 to 1 for a normalised map). */
export function colormapGradient(name: string): string {
  const points = (utilities.colormap.resolveColormap(name)?.RGBPoints ?? []) as number[];
  const stops: string[] = [];
  const first = points[0] ?? 0;
  const last = points[points.length - 4] ?? 1;
  const span = last - first || 1;
  for (let index = 0; index + 3 < points.length; index += 4) {
    const [x = 0, r = 0, g = 0, b = 0] = points.slice(index, index + 4);
    const rgb = [r, g, b].map((channel) => Math.round(channel * 255)).join(' ');
    stops.push(`rgb(${rgb}) ${(((x - first) / span) * 100).toFixed(1)}%`);
  }
  return stops.length >= 2
    ? `linear-gradient(to right, ${stops.join(', ')})`
    : 'linear-gradient(to right, black, white)';
}
