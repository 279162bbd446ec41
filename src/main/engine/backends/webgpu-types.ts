/**
 * The WebGPU types this folder uses, taken from the `webgpu` package's own declarations
 * (@webgpu/types), without adding the DOM lib to the Node build.
 */
import type { create } from 'webgpu';

export type GPU = ReturnType<typeof create>;
export type GPUAdapter = NonNullable<Awaited<ReturnType<GPU['requestAdapter']>>>;
export type GPUDevice = Awaited<ReturnType<GPUAdapter['requestDevice']>>;
