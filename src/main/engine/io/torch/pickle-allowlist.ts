/**
 * The only Python globals a checkpoint may name, and what "calling" each one builds. This mirrors
 * the semantics of torch.load(weights_only=True): OrderedDict, the tensor and parameter rebuild
 * functions, storage classes, dtypes, torch.Size and bytes helpers. Every other name is refused
 * where the pickle names it (GLOBAL, STACK_GLOBAL, INST), before any REDUCE, NEWOBJ or BUILD,
 * and nothing here ever runs code: each entry is a pure TypeScript constructor of plain data.
 */
import { invalidCheckpoint, refusedGlobal } from './checkpoint-errors';
import {
  describePyValue,
  PyDict,
  PyGlobal,
  PySet,
  PyTuple,
  StorageRef,
  TensorRef,
  TorchDtypeValue,
  type PyValue,
} from './pickle-values';
import { DTYPE_OBJECTS, STORAGE_CLASS_DTYPES, UNSUPPORTED_STORAGE_CLASSES, type TorchDtype } from './torch-dtypes';

const REBUILD_TENSOR = new Set([
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
]);
const REBUILD_PARAMETER = new Set(['torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state']);
const OTHER_CALLABLES = new Set([
  'collections.OrderedDict',
  'collections.Counter',
  'torch._tensor._rebuild_from_type_v2',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.device',
  '_codecs.encode',
  'builtins.bytearray',
  'builtins.set',
  'builtins.frozenset',
]);
/** Classes that are only ever arguments (`_rebuild_from_type_v2`'s new_type), never called. */
const TENSOR_TYPES = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter']);
const UNTYPED_STORAGE = new Set(['torch.UntypedStorage', 'torch.storage.UntypedStorage']);

/** Torch dtypes newer than the legacy storage classes (written through _rebuild_tensor_v3) that are not read. */
const UNSUPPORTED_DTYPE_OBJECTS =
  /^(float8_\w+|float4_\w+|complex\d*|cfloat|cdouble|chalf|uint(16|32|64)|int[1-7]|uint[1-7]|bits\w+|q(u?)int\w+)$/;

/** Python 2 module names that protocol-2 pickles may use. */
const MODULE_ALIASES: Readonly<Record<string, string>> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Storage class name → dtype ('untyped' for UntypedStorage, whose elements are bytes). */
export function storageClassDtype(global: PyGlobal): TorchDtype | 'untyped' | undefined {
  if (UNTYPED_STORAGE.has(global.name)) return 'untyped';
  const match = /^torch(?:\.cuda)?\.(\w+Storage)$/.exec(global.name);
  return match?.[1] === undefined ? undefined : STORAGE_CLASS_DTYPES[match[1]];
}

/**
 * The value a GLOBAL names: a tag for an allowed callable or class, or a dtype object. Anything
 * else is refused here, naming it.
 */
export function resolveGlobal(file: string, module: string, name: string): PyValue {
  const dotted = `${MODULE_ALIASES[module] ?? module}.${name}`;
  if (
    REBUILD_TENSOR.has(dotted) ||
    REBUILD_PARAMETER.has(dotted) ||
    OTHER_CALLABLES.has(dotted) ||
    TENSOR_TYPES.has(dotted) ||
    UNTYPED_STORAGE.has(dotted)
  ) {
    return new PyGlobal(dotted);
  }
  const torchName = /^torch(?:\.cuda)?\.(\w+)$/.exec(dotted)?.[1];
  if (torchName !== undefined) {
    if (torchName in STORAGE_CLASS_DTYPES) return new PyGlobal(dotted);
    if (UNSUPPORTED_STORAGE_CLASSES.has(torchName)) {
      throw invalidCheckpoint(file, `it holds ${dotted} tensors, an element type this program does not load`);
    }
    const dtype = dotted.startsWith('torch.cuda.') ? undefined : DTYPE_OBJECTS[torchName];
    if (dtype !== undefined) return new TorchDtypeValue(dtype);
    if (UNSUPPORTED_DTYPE_OBJECTS.test(torchName)) {
      throw invalidCheckpoint(file, `it holds ${dotted} tensors, an element type this program does not load`);
    }
  }
  throw refusedGlobal(file, dotted);
}

/** Helpers that check argument types and say which call was malformed. */
class Args {
  constructor(
    private readonly file: string,
    private readonly callee: string,
    readonly values: readonly PyValue[],
  ) {}

  fail(problem: string): never {
    throw invalidCheckpoint(this.file, `${this.callee}(...) ${problem}`);
  }

  count(min: number, max: number): void {
    const n = this.values.length;
    if (n < min || n > max) this.fail(`got ${n} arguments, expected ${min === max ? min : `${min} to ${max}`}`);
  }

  at(index: number): PyValue {
    return this.values[index] ?? null;
  }

  integer(index: number, what: string): number {
    const value = this.at(index);
    const number = typeof value === 'bigint' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
      this.fail(`has a ${what} that is not a non-negative integer (${describePyValue(value)})`);
    }
    return number;
  }

  integers(index: number, what: string): number[] {
    const value = this.at(index);
    const items = value instanceof PyTuple ? value.items : Array.isArray(value) ? value : undefined;
    if (items === undefined) this.fail(`has ${what} that is a ${describePyValue(value)}, not a tuple`);
    return items.map((item) => {
      const number = typeof item === 'bigint' ? Number(item) : item;
      if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
        this.fail(`has ${what} holding a ${describePyValue(item)}, not a non-negative integer`);
      }
      return number;
    });
  }

  bool(index: number): boolean {
    const value = this.at(index);
    if (typeof value !== 'boolean') this.fail(`has requires_grad ${describePyValue(value)}, not a bool`);
    return value;
  }

  tensor(index: number): TensorRef {
    const value = this.at(index);
    if (!(value instanceof TensorRef)) this.fail(`was given a ${describePyValue(value)} where a tensor belongs`);
    return value;
  }
}

function rebuildTensor(args: Args, version: string): TensorRef {
  const storage = args.at(0);
  if (!(storage instanceof StorageRef)) args.fail(`was given a ${describePyValue(storage)} instead of a storage`);
  if (version === 'torch._utils._rebuild_tensor') args.count(4, 4);
  else if (version === 'torch._utils._rebuild_tensor_v2') args.count(6, 7);
  else args.count(7, 8);
  const storageOffset = args.integer(1, 'storage offset');
  const shape = args.integers(2, 'a size');
  const stride = args.integers(3, 'a stride');
  if (shape.length !== stride.length) args.fail(`has ${shape.length} sizes but ${stride.length} strides`);
  const requiresGrad = version === 'torch._utils._rebuild_tensor' ? false : args.bool(4);
  let dtype = storage.dtype;
  if (version === 'torch._utils._rebuild_tensor_v3') {
    const given = args.at(6);
    if (!(given instanceof TorchDtypeValue)) args.fail(`has a ${describePyValue(given)} where a dtype belongs`);
    dtype = given.dtype;
  }
  return new TensorRef(storage, dtype, storageOffset, shape, stride, requiresGrad, false);
}

function bytesFromLatin1(args: Args): Uint8Array {
  const text = args.at(0);
  const encoding = args.at(1);
  if (typeof text !== 'string') args.fail(`was given a ${describePyValue(text)}, not a str`);
  if (encoding !== 'latin1' && encoding !== 'latin-1' && encoding !== 'iso-8859-1') {
    args.fail(
      `asks for encoding ${typeof encoding === 'string' ? encoding : describePyValue(encoding)}; only latin1 (how pickle protocol 2 stores bytes) is read`,
    );
  }
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 255) args.fail('holds a character outside latin1');
    bytes[i] = code;
  }
  return bytes;
}

/** Apply an allowed global (REDUCE, NEWOBJ or OBJ) to its arguments. */
export function callGlobal(file: string, callee: PyValue, argValues: readonly PyValue[]): PyValue {
  if (!(callee instanceof PyGlobal)) {
    throw invalidCheckpoint(file, `the pickle calls a ${describePyValue(callee)}, which is not callable`);
  }
  const name = callee.name;
  const args: Args = new Args(file, name, argValues);
  if (REBUILD_TENSOR.has(name)) return rebuildTensor(args, name);
  if (REBUILD_PARAMETER.has(name)) {
    args.count(name.endsWith('_with_state') ? 4 : 3, name.endsWith('_with_state') ? 4 : 3);
    return args.tensor(0).asParameter(args.bool(1));
  }
  switch (name) {
    case 'torch.nn.parameter.Parameter':
      args.count(0, 2);
      if (args.values.length === 0) args.fail('has no data tensor');
      return args.tensor(0).asParameter(args.values.length < 2 ? true : args.bool(1));
    case 'torch._tensor._rebuild_from_type_v2': {
      args.count(3, 4);
      const [func, newType, inner] = args.values;
      if (!(newType instanceof PyGlobal) || !TENSOR_TYPES.has(newType.name)) {
        args.fail(`asks for tensor type ${describePyValue(newType ?? null)}; only torch.Tensor and Parameter are read`);
      }
      if (!(inner instanceof PyTuple)) args.fail('has arguments that are not a tuple');
      const tensor = callGlobal(file, func ?? null, inner.items);
      if (!(tensor instanceof TensorRef)) args.fail('did not rebuild a tensor');
      return newType.name === 'torch.Tensor' ? tensor : tensor.asParameter(tensor.requiresGrad);
    }
    case 'collections.OrderedDict':
    case 'collections.Counter':
      if (args.values.length > 0) args.fail('is given arguments; torch.save writes it without any');
      return new PyDict(name);
    case 'torch.Size': {
      args.count(0, 1);
      return new PyTuple(args.values.length === 0 ? [] : args.integers(0, 'sizes'));
    }
    case 'torch.device': {
      const kind = args.at(0);
      if (typeof kind !== 'string') args.fail(`was given a ${describePyValue(kind)}, not a str`);
      const index = args.at(1);
      return typeof index === 'number' ? `${kind}:${index}` : kind;
    }
    case '_codecs.encode':
      args.count(2, 2);
      return bytesFromLatin1(args);
    case 'builtins.bytearray': {
      args.count(0, 1);
      const source = args.at(0);
      if (args.values.length === 0) return new Uint8Array(0);
      if (!(source instanceof Uint8Array)) args.fail(`was given a ${describePyValue(source)}, not bytes`);
      return source;
    }
    case 'builtins.set':
    case 'builtins.frozenset': {
      args.count(0, 1);
      const items = args.at(0);
      if (args.values.length === 0) return new PySet([]);
      if (!Array.isArray(items)) args.fail(`was given a ${describePyValue(items)}, not a list`);
      return new PySet([...items]);
    }
    default:
      throw invalidCheckpoint(file, `the pickle calls ${name}, which is a type and cannot be called`);
  }
}
