/** How many parameters LoRA adds, from layer shapes alone (no model needs to be built). */
import type { Triple } from '../layers/conv3d';

/** LoRA on Linear(in, out): A is [r, in], B is [out, r]. */
export function loraLinearParameterCount(inFeatures: number, outFeatures: number, rank: number): number {
  return rank * (inFeatures + outFeatures);
}

/** ConvLoRA on Conv3d(in, out, k): A is [r, in, kd, kh, kw], B is [out, r, 1, 1, 1]. */
export function convLoraParameterCount(
  inChannels: number,
  outChannels: number,
  kernel: number | Triple,
  rank: number,
): number {
  const [kd, kh, kw] = typeof kernel === 'number' ? [kernel, kernel, kernel] : kernel;
  return rank * inChannels * kd * kh * kw + outChannels * rank;
}
