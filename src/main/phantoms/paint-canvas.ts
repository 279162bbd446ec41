/**
 * Rasterises a scene — an ordered list of paint layers — onto a grid. Each layer blends its HU
 * into the voxels its shape covers by the covered fraction (partial volume: a linear ramp over
 * one voxel width around the surface, widened by the layer's own edge softness), and takes over
 * the tissue label where it covers at least half the voxel. `onlyOver` restricts a layer to
 * voxels currently labelled with one of the given tissues (organs stay inside the body cavity,
 * effusions inside the lung, ...).
 */
import { type PhantomGrid, gridOrigin } from './phantom-grid';
import { compileShape } from './shape-distance';
import type { ShapeSpec } from './shape-spec';
import { type Tissue, TISSUE } from './tissue-labels';

export interface PaintLayer {
  shape: ShapeSpec;
  /** HU, or HU as a function of the world position (for gradients such as dependent lung). */
  hu: number | ((x: number, y: number, z: number) => number);
  tissue: Tissue;
  onlyOver?: readonly Tissue[];
  /** Extra edge softness (mm) on top of the voxel's own partial volume; 0 gives the sharpest edge. */
  edgeMm?: number;
}

export interface Canvas {
  grid: PhantomGrid;
  hu: Float32Array;
  tissue: Uint8Array;
}

export function createCanvas(grid: PhantomGrid, backgroundHu: number): Canvas {
  const count = grid.dims[0] * grid.dims[1] * grid.dims[2];
  return { grid, hu: new Float32Array(count).fill(backgroundHu), tissue: new Uint8Array(count).fill(TISSUE.air) };
}

export function paintLayers(canvas: Canvas, layers: readonly PaintLayer[]): void {
  for (const layer of layers) paintLayer(canvas, layer);
}

export function paintLayer(canvas: Canvas, layer: PaintLayer): void {
  const { dims, spacingMm } = canvas.grid;
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacingMm;
  const [ox, oy, oz] = gridOrigin(canvas.grid);
  const shape = compileShape(layer.shape);
  const voxelWidth = (sx + sy + sz) / 3;
  const edge = layer.edgeMm ?? 0;
  const width = Math.sqrt(voxelWidth * voxelWidth + edge * edge);
  const half = width / 2;
  const { min, max } = shape.bounds;
  const range = (lo: number, hi: number, origin: number, step: number, n: number): [number, number] => [
    Math.max(0, Math.ceil((lo - half - origin) / step)),
    Math.min(n - 1, Math.floor((hi + half - origin) / step)),
  ];
  const [i0, i1] = range(min[0], max[0], ox, sx, nx);
  const [j0, j1] = range(min[1], max[1], oy, sy, ny);
  const [k0, k1] = range(min[2], max[2], oz, sz, nz);
  if (i0 > i1 || j0 > j1 || k0 > k1) return;

  let allowed: Uint8Array | null = null;
  if (layer.onlyOver) {
    allowed = new Uint8Array(256);
    for (const tissue of layer.onlyOver) allowed[tissue] = 1;
  }
  const huOf = layer.hu;
  const constant = typeof huOf === 'number' ? huOf : 0;
  const { hu, tissue } = canvas;
  for (let k = k0; k <= k1; k += 1) {
    const z = oz + k * sz;
    for (let j = j0; j <= j1; j += 1) {
      const y = oy + j * sy;
      const row = nx * (j + ny * k);
      for (let i = i0; i <= i1; i += 1) {
        const index = row + i;
        if (allowed && allowed[tissue[index] ?? 0] !== 1) continue;
        const x = ox + i * sx;
        const d = shape.distance(x, y, z);
        if (d >= half) continue;
        const cover = d <= -half ? 1 : 0.5 - d / width;
        const value = typeof huOf === 'number' ? constant : huOf(x, y, z);
        const before = hu[index] ?? 0;
        hu[index] = before + cover * (value - before);
        if (cover >= 0.5) tissue[index] = layer.tissue;
      }
    }
  }
}
