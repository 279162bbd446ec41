/**
 * The safetensors dtypes this program reads, their sizes, and the typed arrays they become.
 *
 * Reading: F16 and BF16 are decoded to Float32Array (bit-exact: every half value is a float32
 * value); I64 comes back as a BigInt64Array, losslessly (a caller that needs numbers converts and
 * checks the range itself, e.g. num_batches_tracked); BOOL as a Uint8Array of 0/1 (other bytes
 * are refused). Writing: every dtype whose values have a native typed array (all but F16/BF16).
 */

/** Dtypes as the header spells them, with their element size in bytes. */
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

export function isSafetensorsDtype(value: string): value is SafetensorsDtype {
  return Object.hasOwn(DTYPE_SIZES, value);
}

/**
 * The official writer orders tensors by descending dtype alignment, then by name. This is its
 * enum order (safetensors/src/tensor.rs, `enum Dtype`, "MUST be in increasing alignment order"),
 * restricted to the dtypes we know.
 */
export const DTYPE_RANK: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 0,
  U8: 1,
  I16: 5,
  F16: 7,
  BF16: 8,
  I32: 9,
  F32: 11,
  F64: 12,
  I64: 13,
};

/** A tensor in memory: the dtype its values are held as, its shape, and its values. */
export type Tensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I16'; shape: number[]; data: Int16Array }
  | { dtype: 'U8'; shape: number[]; data: Uint8Array }
  | { dtype: 'BOOL'; shape: number[]; data: Uint8Array };

export type TensorDtype = Tensor['dtype'];
export type TensorData = Tensor['data'];
