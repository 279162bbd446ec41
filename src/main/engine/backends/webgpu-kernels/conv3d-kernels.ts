/**
 * Puts the implicit-GEMM Conv3D programs (forward, grad input, grad filter) in place of
 * tfjs-backend-webgpu's one-thread-per-output kernels for Conv3D, Conv3DBackpropInputV2 and
 * Conv3DBackpropFilterV2, which reuse nothing through shared memory and dominate a training step
 * on a GPU. Anything the GEMM programs do not cover (non-float32 tensors, NCDHW) goes to the
 * original kernel, kept from tf.getKernel; the returned function puts the originals back.
 *
 * Tensors are handed to the programs as flat 1-D views of the same GPU buffers (tfjs's own
 * Reshape does the same: no copy), so tfjs's generated 5-D helpers (its unindexable `vec5`) never
 * appear in the shaders, and the result is returned as a view with the 5-D shape.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { BugError } from '../../../../shared/errors';
import { tf } from '../../tf';
import { SplitKReduceProgram, type Conv3dGemmProgram, type GemmGeometry, type SplitPlan } from './conv3d-gemm-shader';
import { conv3dForwardGemm } from './conv3d-forward-program';
import { conv3dGradFilterGemm } from './conv3d-grad-filter-program';
import { conv3dGradInputGemms } from './conv3d-grad-input-program';

type TensorInfo = tf.TensorInfo;
type KernelConfig = tf.KernelConfig;
type KernelFunc = KernelConfig['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];
type Shape5 = [number, number, number, number, number];
type Triple = number | [number, number, number];
type Pad = 'valid' | 'same' | number;

export const IMPLICIT_GEMM_CONV3D_KERNELS = ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'] as const;

let installed: KernelConfig[] | null = null;

/**
 * Registers the GEMM kernels for the webgpu backend (the tfjs-backend-webgpu module must have
 * been loaded, which registers its kernels). Idempotent; returns `restoreOriginalConv3d`.
 */
export function registerImplicitGemmConv3d(): () => void {
  if (installed) return restoreOriginalConv3d;
  const originals = IMPLICIT_GEMM_CONV3D_KERNELS.map((name) => {
    const config = tf.getKernel(name, 'webgpu');
    if (!config) throw new BugError(`the webgpu kernel ${name} is not registered (load tfjs-backend-webgpu first)`);
    return config;
  });
  const [forward, gradInput, gradFilter] = originals as [KernelConfig, KernelConfig, KernelConfig];
  const replacements: KernelConfig[] = [
    { ...forward, kernelFunc: forwardKernel(forward.kernelFunc) },
    { ...gradInput, kernelFunc: gradInputKernel(gradInput.kernelFunc) },
    { ...gradFilter, kernelFunc: gradFilterKernel(gradFilter.kernelFunc) },
  ];
  for (const config of replacements) {
    tf.unregisterKernel(config.kernelName, 'webgpu');
    tf.registerKernel(config);
  }
  installed = originals;
  return restoreOriginalConv3d;
}

/** Puts tfjs's own kernels back; harmless when they already are. */
export function restoreOriginalConv3d(): void {
  if (!installed) return;
  for (const original of installed) {
    tf.unregisterKernel(original.kernelName, 'webgpu');
    tf.registerKernel(original);
  }
  installed = null;
}

export function isImplicitGemmConv3dRegistered(): boolean {
  return installed !== null;
}

function flat(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, shape: [tf.util.sizeFromShape(t.shape)], dtype: t.dtype };
}

function allFloat32(...tensors: (TensorInfo | undefined)[]): boolean {
  return tensors.every((t) => t !== undefined && t.dtype === 'float32');
}

function asShape5(shape: readonly number[], what: string): Shape5 {
  if (shape.length !== 5) throw new BugError(`Conv3D ${what} must be 5-D, got [${shape.join(', ')}]`);
  return [...shape] as Shape5;
}

function run(
  backend: WebGPUBackend,
  gemm: {
    program: Conv3dGemmProgram;
    plan: SplitPlan;
    geometry: GemmGeometry;
    uniforms: { type: string; data: number[] }[];
  },
  inputs: TensorInfo[],
  shape: number[],
): TensorInfo {
  const out = backend.runWebGPUProgram(gemm.program, inputs, 'float32', gemm.uniforms);
  if (gemm.plan.splits === 1) return { dataId: out.dataId, shape, dtype: 'float32' };
  const size = gemm.geometry.m * gemm.geometry.n;
  const reduce = new SplitKReduceProgram(size);
  const summed = backend.runWebGPUProgram(
    reduce,
    [out],
    'float32',
    SplitKReduceProgram.uniforms(size, gemm.plan.splits),
  );
  backend.disposeData(out.dataId);
  return { dataId: summed.dataId, shape, dtype: 'float32' };
}

function forwardKernel(original: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { x, filter } = args.inputs;
    const attrs = (args.attrs ?? {}) as { strides?: Triple; pad?: Pad; dilations?: Triple; dataFormat?: string };
    if (!allFloat32(x, filter) || (attrs.dataFormat ?? 'NDHWC') !== 'NDHWC') return original(args);
    const [xs, fs] = [x as TensorInfo, filter as TensorInfo];
    const info = tf.backend_util.computeConv3DInfo(
      asShape5(xs.shape, 'x'),
      asShape5(fs.shape, 'filter'),
      attrs.strides ?? 1,
      attrs.dilations ?? 1,
      attrs.pad ?? 'valid',
    );
    return run(args.backend as WebGPUBackend, conv3dForwardGemm(info), [flat(xs), flat(fs)], info.outShape);
  };
}

function gradInputKernel(original: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { dy, filter } = args.inputs;
    const attrs = (args.attrs ?? {}) as { strides?: Triple; pad?: Pad; inputShape?: number[] };
    if (!allFloat32(dy, filter) || attrs.inputShape === undefined) return original(args);
    const [dys, fs] = [dy as TensorInfo, filter as TensorInfo];
    const inputShape = asShape5(attrs.inputShape, 'inputShape');
    const info = tf.backend_util.computeConv3DInfo(
      inputShape,
      asShape5(fs.shape, 'filter'),
      attrs.strides ?? 1,
      1,
      attrs.pad ?? 'valid',
    );
    const backend = args.backend as WebGPUBackend;
    const inputs = [flat(dys), flat(fs)];
    const gemms = conv3dGradInputGemms(info);
    const [only] = gemms;
    if (gemms.length === 1 && only) return run(backend, only, inputs, inputShape);
    // One GEMM per stride phase, each writing its own voxels' rows of the one output.
    const out = backend.makeTensorInfo([tf.util.sizeFromShape(inputShape)], 'float32');
    for (const gemm of gemms) backend.runWebGPUProgram(gemm.program, inputs, 'float32', gemm.uniforms, out);
    return { dataId: out.dataId, shape: inputShape, dtype: 'float32' };
  };
}

function gradFilterKernel(original: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { x, dy } = args.inputs;
    const attrs = (args.attrs ?? {}) as { strides?: Triple; pad?: Pad; filterShape?: number[] };
    if (!allFloat32(x, dy) || attrs.filterShape === undefined) return original(args);
    const [xs, dys] = [x as TensorInfo, dy as TensorInfo];
    const filterShape = asShape5(attrs.filterShape, 'filterShape');
    const info = tf.backend_util.computeConv3DInfo(
      asShape5(xs.shape, 'x'),
      filterShape,
      attrs.strides ?? 1,
      1,
      attrs.pad ?? 'valid',
    );
    return run(args.backend as WebGPUBackend, conv3dGradFilterGemm(info), [flat(xs), flat(dys)], filterShape);
  };
}
