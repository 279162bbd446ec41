/**
 * tfjs tensors to and from safetensors tensors, losslessly.
 *
 * float32 is stored as F32. int32 (BatchNorm's num_batches_tracked, the only integer state
 * here) is stored as I64, the dtype PyTorch gives it, so the file loads into a PyTorch model
 * with a strict load_state_dict; reading it back checks every value fits in int32.
 * F16 and BF16 files are read as F32 (exact), so half-precision checkpoints load too.
 */
import { BugError, UserError } from '../../../shared/errors';
import { tf } from '../tf';
import type { SafetensorsDtype, Tensor as FileTensor } from './safetensors-dtypes';

/** The values of a tfjs tensor as a safetensors tensor (a copy; the tensor is not disposed). */
export function toFileTensor(name: string, tensor: tf.Tensor): FileTensor {
  const shape = [...tensor.shape];
  if (tensor.dtype === 'float32') return { dtype: 'F32', shape, data: Float32Array.from(tensor.dataSync()) };
  if (tensor.dtype === 'int32') {
    return { dtype: 'I64', shape, data: BigInt64Array.from(tensor.dataSync(), (value) => BigInt(value)) };
  }
  throw new BugError(`Cannot save tensor ${name}: dtype ${tensor.dtype} has no safetensors mapping here.`);
}

/** Stored dtypes a model tensor of this tfjs dtype accepts. */
export function acceptedFileDtypes(dtype: tf.DataType): readonly SafetensorsDtype[] {
  return dtype === 'int32' ? ['I64', 'I32'] : ['F32', 'F16', 'BF16'];
}

/** A tfjs tensor of `dtype` holding a file tensor's values; refuses values that do not fit. */
export function fromFileTensor(name: string, value: FileTensor, dtype: tf.DataType, where: string): tf.Tensor {
  if (dtype === 'float32' && value.dtype === 'F32') return tf.tensor(value.data, value.shape, 'float32');
  if (dtype === 'int32' && value.dtype === 'I32') return tf.tensor(value.data, value.shape, 'int32');
  if (dtype === 'int32' && value.dtype === 'I64') {
    const data = new Int32Array(value.data.length);
    for (let i = 0; i < data.length; i += 1) {
      const entry = value.data[i] ?? 0n;
      if (entry < -2147483648n || entry > 2147483647n) {
        throw new UserError(
          'CHECKPOINT_INVALID',
          `${where}: tensor "${name}" holds ${entry}, which does not fit int32.`,
        );
      }
      data[i] = Number(entry);
    }
    return tf.tensor(data, value.shape, 'int32');
  }
  throw new UserError(
    'CHECKPOINT_INVALID',
    `${where}: tensor "${name}" is ${value.dtype}, but the model keeps it as ${dtype} (expected ${acceptedFileDtypes(dtype).join(' or ')}).`,
  );
}
