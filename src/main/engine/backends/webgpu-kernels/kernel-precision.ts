/**
 * The arithmetic precision of the implicit-GEMM Conv3D programs (the engine's other kernels, fused
 * LoRA, attention, norms, are float32 only). Tensors stay float32 in GPU memory either way:
 * tfjs-backend-webgpu 4.22 has no float16 dtype, so every other kernel (tfjs's) reads and writes
 * float32.
 *
 * - 'float32': operand tiles, products and sums in f32 (the default).
 * - 'f16': the kernels convert each operand tile to f16 as it enters workgroup memory (half the
 *   workgroup memory, so more workgroups per GPU core) and multiply-add in f16 vectors over one
 *   K tile (16 products; two f16 lanes per instruction on GPUs with packed half arithmetic), then
 *   add that partial into f32 accumulators, so rounding error grows with K/16 f32 additions, not
 *   with K f16 ones. A value outside f16's range (|v| > 65504, or NaN) entering a tile makes the
 *   whole output tile +Inf, so a training step's gradient norm turns non-finite and dynamic loss
 *   scaling (train/loss-scaler.ts) skips the step and lowers the scale; WGSL leaves such a
 *   conversion's result undefined, so it is checked rather than trusted to give Inf.
 *
 * Only set through mixed-precision.ts, which checks the device has the shader-f16 feature.
 */
export type KernelPrecision = 'float32' | 'f16';

let precision: KernelPrecision = 'float32';

export function kernelPrecision(): KernelPrecision {
  return precision;
}

export function setKernelPrecision(next: KernelPrecision): void {
  precision = next;
}

/** WGSL's directive for f16 (hoisted to the top of the module by shader-directives.ts). */
export const ENABLE_F16 = 'enable f16;';

/** Largest finite f16. */
export const F16_MAX = 65504;

/**
 * WGSL helpers for an f16 kernel: `half4(v)` converts a quad, raising the workgroup's overflow
 * flag for values f16 cannot hold; `tileOverflowed()` reads the flag (after a barrier).
 */
export const F16_HELPERS = `
${ENABLE_F16}
var<workgroup> f16Overflow : atomic<u32>;
fn half4(v : vec4<f32>) -> vec4<f16> {
  if (any(abs(v) > vec4<f32>(${F16_MAX}.0)) || any(v != v)) { atomicStore(&f16Overflow, 1u); }
  return vec4<f16>(clamp(v, vec4<f32>(-${F16_MAX}.0), vec4<f32>(${F16_MAX}.0)));
}
fn tileOverflowed() -> bool {
  return atomicLoad(&f16Overflow) != 0u;
}
`;
