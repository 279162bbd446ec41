/**
 * Torch dtypes this reader knows, their element sizes, and the names torch pickles them under:
 * legacy storage classes (`torch.FloatStorage`, what torch.save writes in persistent ids up to
 * and including torch 2.x) and dtype objects (`torch.float32`, used by `_rebuild_tensor_v3`).
 */

export const TORCH_DTYPE_SIZES = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;

export type TorchDtype = keyof typeof TORCH_DTYPE_SIZES;

/** `torch.<Name>Storage` → dtype. */
export const STORAGE_CLASS_DTYPES: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** Storage classes torch has but whose element types this program does not load. */
export const UNSUPPORTED_STORAGE_CLASSES: ReadonlySet<string> = new Set([
  'ComplexFloatStorage',
  'ComplexDoubleStorage',
  'QInt8Storage',
  'QUInt8Storage',
  'QInt32Storage',
  'QUInt4x2Storage',
  'QUInt2x4Storage',
]);

/** `torch.<name>` dtype objects → dtype (the canonical names str(dtype) gives). */
export const DTYPE_OBJECTS: Readonly<Record<string, TorchDtype>> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
