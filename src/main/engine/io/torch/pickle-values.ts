/**
 * The Python values the restricted unpickler can build. Nothing here is executable: a global is
 * a tag naming one of the allowed torch/collections names (pickle-allowlist.ts), a tensor is a
 * description of a view onto a storage record, and a storage is a reference to a zip record.
 */
import type { TorchDtype } from './torch-dtypes';

/** A Python tuple (immutable, unlike a list, which is a plain array). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A Python set or frozenset. */
export class PySet {
  constructor(readonly items: PyValue[]) {}
}

/** The dict keys we keep: those a state dict or its wrapper can use. */
export type PyDictKey = string | number | bigint | boolean | null;

/** A Python dict, OrderedDict or Counter, in insertion order. */
export class PyDict {
  readonly entries = new Map<PyDictKey, PyValue>();
  /** Instance attributes set by BUILD (an OrderedDict state dict carries `_metadata`); never read as entries. */
  readonly attributes = new Map<string, PyValue>();
  constructor(readonly pythonType: 'dict' | 'collections.OrderedDict' | 'collections.Counter' = 'dict') {}
}

/** One of the allowed globals, by its dotted name (pickle-allowlist.ts); only a tag. */
export class PyGlobal {
  constructor(readonly name: string) {}
}

/** A torch dtype object (torch.float32, ...), as `_rebuild_tensor_v3` receives it. */
export class TorchDtypeValue {
  constructor(readonly dtype: TorchDtype) {}
}

/** A storage: the zip record `data/<key>` holding `numel` elements of `dtype`. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly numel: number,
    readonly location: string,
  ) {}
}

/** A tensor as torch rebuilds it: a strided view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: TorchDtype,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
    readonly isParameter: boolean,
  ) {}

  asParameter(requiresGrad: boolean): TensorRef {
    return new TensorRef(this.storage, this.dtype, this.storageOffset, this.shape, this.stride, requiresGrad, true);
  }
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PySet
  | PyDict
  | PyGlobal
  | TorchDtypeValue
  | StorageRef
  | TensorRef;

/** A short description of a value's Python type, for error messages. */
export function describePyValue(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  if (value instanceof PyTuple) return 'tuple';
  if (value instanceof PySet) return 'set';
  if (value instanceof PyDict) return value.pythonType;
  if (value instanceof PyGlobal) return value.name;
  if (value instanceof TorchDtypeValue) return 'torch.dtype';
  if (value instanceof StorageRef) return 'storage';
  return 'tensor';
}
