/**
 * A stored tensor's bytes as the typed array it is held in: the array is allocated first and the
 * reader fills its bytes in place (no extra copy). Shared by safetensors-reader.ts and
 * torch/torch-checkpoint-reader.ts, which differ only in where the bytes come from.
 */
import { decodeBF16, decodeF16 } from './half-float';
import type { SafetensorsDtype, Tensor } from './safetensors-dtypes';

/** The dtypes a file may store: safetensors' own, plus torch's int8. */
export type StoredDtype = SafetensorsDtype | 'I8';

export interface StoredTensor {
  dtype: StoredDtype;
  shape: readonly number[];
}

function bytesOf(array: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Allocate the tensor's typed array, let `fill` write the stored bytes into it, and return it:
 * F16/BF16 decoded to F32, I8 widened to I16, I64 as BigInt64Array, BOOL as 0/1 bytes (any other
 * byte throws `invalidBool()`).
 */
export function readTensorValues(
  stored: StoredTensor,
  fill: (target: Uint8Array) => void,
  invalidBool: () => Error,
): Tensor {
  const shape = [...stored.shape];
  const count = shape.reduce((a, b) => a * b, 1);
  switch (stored.dtype) {
    case 'F32': {
      const data = new Float32Array(count);
      fill(bytesOf(data));
      return { dtype: 'F32', shape, data };
    }
    case 'F64': {
      const data = new Float64Array(count);
      fill(bytesOf(data));
      return { dtype: 'F64', shape, data };
    }
    case 'I64': {
      const data = new BigInt64Array(count);
      fill(bytesOf(data));
      return { dtype: 'I64', shape, data };
    }
    case 'I32': {
      const data = new Int32Array(count);
      fill(bytesOf(data));
      return { dtype: 'I32', shape, data };
    }
    case 'I16': {
      const data = new Int16Array(count);
      fill(bytesOf(data));
      return { dtype: 'I16', shape, data };
    }
    case 'I8': {
      const raw = new Int8Array(count);
      fill(bytesOf(raw));
      return { dtype: 'I16', shape, data: Int16Array.from(raw) };
    }
    case 'U8': {
      const data = new Uint8Array(count);
      fill(data);
      return { dtype: 'U8', shape, data };
    }
    case 'BOOL': {
      const data = new Uint8Array(count);
      fill(data);
      if (data.some((value) => value > 1)) throw invalidBool();
      return { dtype: 'BOOL', shape, data };
    }
    case 'F16':
    case 'BF16': {
      const raw = new Uint8Array(count * 2);
      fill(raw);
      return { dtype: 'F32', shape, data: stored.dtype === 'F16' ? decodeF16(raw) : decodeBF16(raw) };
    }
  }
}
