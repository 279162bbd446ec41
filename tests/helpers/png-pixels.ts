/**
 * Pixels of a PNG (8-bit greyscale, RGB or RGBA, not interlaced: what Chromium's screenshots are),
 * decoded with node:zlib, and the few statistics the viewer tests compare screenshots with.
 */
import zlib from 'node:zlib';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  rgba: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((value, index) => bytes[index] === value);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(bytes: Buffer): Pixels {
  if (!isPng(bytes)) throw new Error('Not a PNG.');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      channels = colour === 6 ? 4 : colour === 2 ? 3 : colour === 0 ? 1 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(`Unsupported PNG (depth ${depth}, colour type ${colour}, interlace ${interlace}).`);
      }
    } else if (type === 'IDAT') {
      data.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)] ?? 0;
    const line = y * (stride + 1) + 1;
    for (let x = 0; x < stride; x += 1) {
      const value = raw[line + x] ?? 0;
      const left = x >= channels ? (out[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (out[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= channels ? (out[(y - 1) * stride + x - channels] ?? 0) : 0;
      const predictor =
        filter === 0
          ? 0
          : filter === 1
            ? left
            : filter === 2
              ? up
              : filter === 3
                ? (left + up) >> 1
                : paeth(left, up, upLeft);
      out[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i += 1) {
    for (let c = 0; c < 4; c += 1) {
      rgba[i * 4 + c] =
        c === 3 ? (channels === 4 ? (out[i * 4 + 3] ?? 255) : 255) : (out[i * channels + (channels >= 3 ? c : 0)] ?? 0);
    }
  }
  return { width, height, rgba };
}

/** Mean and variance of the luminance (0-255) and how many distinct grey levels appear. */
export function luminanceStats(pixels: Pixels): { mean: number; variance: number; levels: number } {
  const count = pixels.width * pixels.height;
  let sum = 0;
  let squares = 0;
  const levels = new Set<number>();
  for (let i = 0; i < count; i += 1) {
    const value = luminance(pixels, i);
    sum += value;
    squares += value * value;
    levels.add(Math.round(value));
  }
  const mean = sum / count;
  return { mean, variance: squares / count - mean * mean, levels: levels.size };
}

function luminance(pixels: Pixels, index: number): number {
  const { rgba } = pixels;
  return 0.299 * (rgba[index * 4] ?? 0) + 0.587 * (rgba[index * 4 + 1] ?? 0) + 0.114 * (rgba[index * 4 + 2] ?? 0);
}

/** The fraction of pixels whose colour differs by more than `tolerance` (0-255) in any channel. */
export function changedFraction(a: Pixels, b: Pixels, tolerance = 8): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  const count = a.width * a.height;
  let changed = 0;
  for (let i = 0; i < count; i += 1) {
    for (let c = 0; c < 3; c += 1) {
      if (Math.abs((a.rgba[i * 4 + c] ?? 0) - (b.rgba[i * 4 + c] ?? 0)) > tolerance) {
        changed += 1;
        break;
      }
    }
  }
  return changed / count;
}

/** Pixels where red clearly exceeds blue (a hot or jet overlay on a grey CT), as a fraction. */
export function colouredFraction(pixels: Pixels, margin = 40): number {
  const count = pixels.width * pixels.height;
  let coloured = 0;
  for (let i = 0; i < count; i += 1) {
    const [r, g, b] = [pixels.rgba[i * 4] ?? 0, pixels.rgba[i * 4 + 1] ?? 0, pixels.rgba[i * 4 + 2] ?? 0];
    if (Math.max(Math.abs(r - g), Math.abs(r - b), Math.abs(g - b)) > margin) coloured += 1;
  }
  return coloured / count;
}
