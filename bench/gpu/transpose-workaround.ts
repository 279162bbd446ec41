/**
 * A bench-side workaround (opt-in, `--patch-transpose`), not a fix: tfjs-backend-webgpu's 2-D
 * Transpose (TransposeSharedProgram, 16x16 tiles) dispatches rows / 16 workgroups in Y, so a
 * [rows, 1] input with rows > 65,535 x 16 = 1,048,560 throws "Dispatch size exceeds WebGPU limits
 * in Y or Z dimension". The engine's channels-last weight layout (src/main/engine/layers/
 * channels-last.ts) transposes every Conv3d weight as [out * in, kernel volume]: for a 1x1x1 conv
 * with out * in >= 1,048,576 (Merlin's layer4 conv1/conv3 and contrastive_head, 512 x 2048) that is
 * such a [1048576, 1] transpose, whatever the input size. A transpose that only moves a size-1 axis
 * keeps the element order, so this re-registers the webgpu Transpose kernel to answer those with
 * the backend's Reshape (no copy) and hand everything else to the original kernel.
 */
import { tf } from '../../src/main/engine/tf';

type KernelFunc = (params: {
  inputs: Record<string, unknown>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}) => unknown;

/** Returns false when the kernels to wrap are not registered (then nothing changes). */
export function patchWebgpuTranspose(): boolean {
  const transpose = tf.getKernel('Transpose', 'webgpu');
  const reshape = tf.getKernel('Reshape', 'webgpu');
  if (!transpose || !reshape) return false;
  const original = transpose.kernelFunc as unknown as KernelFunc;
  const reshapeFunc = reshape.kernelFunc as unknown as KernelFunc;
  tf.unregisterKernel('Transpose', 'webgpu');
  const kernelFunc: KernelFunc = (params) => {
    const x: unknown = params.inputs['x'];
    const shape: unknown = typeof x === 'object' && x !== null ? Reflect.get(x, 'shape') : undefined;
    const perm: unknown = params.attrs?.['perm'];
    if (Array.isArray(shape) && Array.isArray(perm) && shape.length === perm.length) {
      const dims = shape as number[];
      const order = perm as number[];
      const moved = order.map((axis) => dims[axis] ?? 1);
      const nonUnit = order.filter((axis) => (dims[axis] ?? 1) !== 1);
      const sameOrder = nonUnit.every((axis, i) => i === 0 || axis > (nonUnit[i - 1] ?? -1));
      if (sameOrder) return reshapeFunc({ inputs: { x }, backend: params.backend, attrs: { shape: moved } });
    }
    return original(params);
  };
  tf.registerKernel({ ...transpose, kernelFunc: kernelFunc as unknown as typeof transpose.kernelFunc });
  return true;
}
