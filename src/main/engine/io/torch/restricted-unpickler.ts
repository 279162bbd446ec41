/**
 * A pickle virtual machine (protocols 0 to 5, as far as torch.save and plain data need) that can
 * only build data: None, bools, numbers, strings, bytes, lists, tuples, sets, dicts, and the
 * tensors, storages and dtypes of pickle-allowlist.ts. A global outside the allowlist is refused
 * where the pickle names it (GLOBAL, STACK_GLOBAL, INST), so REDUCE, NEWOBJ, OBJ and BUILD can
 * only ever reach an allowed constructor, and these are plain TypeScript: nothing can execute.
 * Out-of-band buffers and the extension registry are refused too.
 */
import { callGlobal, resolveGlobal } from './pickle-allowlist';
import { PickleReader } from './pickle-reader';
import { describePyValue, PyDict, PySet, PyTuple, TensorRef, type PyDictKey, type PyValue } from './pickle-values';

export interface UnpickleOptions {
  /** Named in every error. */
  file: string;
  /** Resolves a persistent id (BINPERSID): torch.save's storage references. */
  persistentLoad(pid: PyValue): PyValue;
}

/** The highest pickle protocol there is. */
const HIGHEST_PROTOCOL = 5;
/** LONG1/LONG4 integers longer than this many bytes are refused (torch never writes them). */
const MAX_LONG_BYTES = 64;

const latin1 = new TextDecoder('latin1');

/** Little-endian two's complement bytes as a number when exact, else a bigint. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  if ((bytes[bytes.length - 1] ?? 0) & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function parseDecimalInt(reader: PickleReader, text: string): number | bigint {
  const digits = text.endsWith('L') ? text.slice(0, -1) : text;
  if (!/^[+-]?\d+$/.test(digits)) reader.fail(`an integer that is not a number ("${text}")`);
  const value = BigInt(digits);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

class Machine {
  private stack: PyValue[] = [];
  private readonly marks: PyValue[][] = [];
  private readonly memo = new Map<number, PyValue>();

  constructor(
    private readonly reader: PickleReader,
    private readonly options: UnpickleOptions,
  ) {}

  private push(value: PyValue): void {
    this.stack.push(value);
  }

  private pop(): PyValue {
    if (this.stack.length === 0) this.reader.fail('a stack underflow');
    return this.stack.pop() ?? null;
  }

  private top(): PyValue {
    if (this.stack.length === 0) this.reader.fail('a stack underflow');
    return this.stack[this.stack.length - 1] ?? null;
  }

  private mark(): void {
    this.marks.push(this.stack);
    this.stack = [];
  }

  /** The items pushed since the last MARK; the stack below it comes back. */
  private popMark(): PyValue[] {
    const previous = this.marks.pop();
    if (previous === undefined) this.reader.fail('no MARK to pop to');
    const items = this.stack;
    this.stack = previous;
    return items;
  }

  private memoGet(index: number): PyValue {
    if (!this.memo.has(index)) this.reader.fail(`a reference to memo entry ${index}, which was never stored`);
    return this.memo.get(index) ?? null;
  }

  private memoPut(index: number): void {
    this.memo.set(index, this.top());
  }

  private global(module: string, name: string): void {
    this.push(resolveGlobal(this.options.file, module, name));
  }

  private call(callee: PyValue, args: PyValue): PyValue {
    if (!(args instanceof PyTuple)) this.reader.fail(`call arguments that are a ${describePyValue(args)}, not a tuple`);
    return callGlobal(this.options.file, callee, args.items);
  }

  private dictKey(key: PyValue): PyDictKey {
    if (key === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof key)) return key as PyDictKey;
    return this.reader.fail(`a dict key that is a ${describePyValue(key)}; only str, int, bool and None keys are read`);
  }

  private setItems(target: PyValue, items: readonly PyValue[]): void {
    if (!(target instanceof PyDict)) this.reader.fail(`dict items added to a ${describePyValue(target)}`);
    if (items.length % 2 !== 0) this.reader.fail('an odd number of dict items');
    for (let i = 0; i < items.length; i += 2) target.entries.set(this.dictKey(items[i] ?? null), items[i + 1] ?? null);
  }

  private appendItems(target: PyValue, items: readonly PyValue[]): void {
    if (!Array.isArray(target)) this.reader.fail(`list items appended to a ${describePyValue(target)}`);
    for (const item of items) target.push(item);
  }

  private build(): void {
    const state = this.pop();
    const target = this.top();
    if (target instanceof PyDict) {
      const attributes = state instanceof PyTuple ? (state.items[0] ?? null) : state;
      if (attributes === null) return;
      if (!(attributes instanceof PyDict)) this.reader.fail(`a BUILD state that is a ${describePyValue(attributes)}`);
      for (const [key, value] of attributes.entries) target.attributes.set(String(key), value);
      return;
    }
    // A tensor's Python attributes (subclass state): plain data, not needed for its values.
    if (target instanceof TensorRef && (state === null || state instanceof PyDict || state instanceof PyTuple)) return;
    this.reader.fail(`a BUILD on a ${describePyValue(target)}, which torch never writes`);
  }

  run(): PyValue {
    const r: PickleReader = this.reader;
    for (;;) {
      const opcode = r.u8();
      switch (opcode) {
        case 0x80: {
          const protocol = r.u8();
          if (protocol > HIGHEST_PROTOCOL) r.fail(`pickle protocol ${protocol}, newer than ${HIGHEST_PROTOCOL}`);
          break;
        }
        case 0x95: // FRAME: the whole pickle is in memory already
          r.u64();
          break;
        case 0x2e: // STOP
          return this.pop();
        case 0x28: // MARK
          this.mark();
          break;
        case 0x30: // POP
          if (this.stack.length === 0 && this.marks.length > 0) this.popMark();
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // --- constants and numbers
        case 0x4e:
          this.push(null);
          break;
        case 0x88:
          this.push(true);
          break;
        case 0x89:
          this.push(false);
          break;
        case 0x4a: // BININT
          this.push(r.i32());
          break;
        case 0x4b: // BININT1
          this.push(r.u8());
          break;
        case 0x4d: // BININT2
          this.push(r.u16());
          break;
        case 0x8a: // LONG1
        case 0x8b: {
          // LONG4
          const length = opcode === 0x8a ? r.u8() : r.i32();
          if (length < 0 || length > MAX_LONG_BYTES) r.fail(`an integer of ${length} bytes`);
          this.push(decodeLong(r.take(length)));
          break;
        }
        case 0x49: {
          // INT (protocol 0): I00/I01 are False/True
          const text = r.line();
          this.push(text === '00' ? false : text === '01' ? true : parseDecimalInt(r, text));
          break;
        }
        case 0x4c: // LONG (protocol 0)
          this.push(parseDecimalInt(r, r.line()));
          break;
        case 0x46: {
          // FLOAT (protocol 0)
          const text = r.line();
          const value = Number(text);
          if (text.trim() === '' || Number.isNaN(value) !== /nan/i.test(text)) r.fail(`a float "${text}"`);
          this.push(value);
          break;
        }
        case 0x47: // BINFLOAT
          this.push(r.f64BigEndian());
          break;
        // --- strings and bytes
        case 0x58: // BINUNICODE
          this.push(r.text(r.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(r.text(r.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.push(r.text(r.u64()));
          break;
        case 0x54: // BINSTRING (Python 2 str)
          this.push(latin1.decode(r.take(r.i32())));
          break;
        case 0x55: // SHORT_BINSTRING
          this.push(latin1.decode(r.take(r.u8())));
          break;
        case 0x42: // BINBYTES
          this.push(r.take(r.u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(r.take(r.u8()));
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.push(r.take(r.u64()));
          break;
        // --- containers
        case 0x29: // EMPTY_TUPLE
          this.push(new PyTuple([]));
          break;
        case 0x74: // TUPLE
          this.push(new PyTuple(this.popMark()));
          break;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const count = opcode - 0x84;
          if (this.stack.length < count) r.fail('a stack underflow');
          this.push(new PyTuple(this.stack.splice(this.stack.length - count, count)));
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const item = this.pop();
          this.appendItems(this.top(), [item]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new PyDict());
          break;
        case 0x64: {
          // DICT
          const dict = new PyDict();
          this.setItems(dict, this.popMark());
          this.push(dict);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push(new PySet([]));
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const target = this.top();
          if (!(target instanceof PySet)) r.fail(`set items added to a ${describePyValue(target)}`);
          target.items.push(...items);
          break;
        }
        case 0x91: // FROZENSET
          this.push(new PySet(this.popMark()));
          break;
        // --- memo
        case 0x94: // MEMOIZE
          this.memoPut(this.memo.size);
          break;
        case 0x71: // BINPUT
          this.memoPut(r.u8());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(r.u32());
          break;
        case 0x70: // PUT
          this.memoPut(Number(parseDecimalInt(r, r.line())));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(r.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(r.u32()));
          break;
        case 0x67: // GET
          this.push(this.memoGet(Number(parseDecimalInt(r, r.line()))));
          break;
        // --- globals, calls and objects: only ever allowed ones
        case 0x63: {
          // GLOBAL
          const module = r.line();
          this.global(module, r.line());
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') r.fail('a STACK_GLOBAL whose names are not str');
          this.global(module, name);
          break;
        }
        case 0x69: {
          // INST (protocol 0): a class named inline, called on the marked arguments
          const module = r.line();
          const callee = resolveGlobal(this.options.file, module, r.line());
          this.push(callGlobal(this.options.file, callee, this.popMark()));
          break;
        }
        case 0x6f: {
          // OBJ (protocol 1): the class is the first marked item
          const [callee = null, ...args] = this.popMark();
          this.push(callGlobal(this.options.file, callee, args));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const callee = this.pop();
          this.push(this.call(callee, args));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop();
          const callee = this.pop();
          this.push(this.call(callee, args));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const callee = this.pop();
          if (!(kwargs instanceof PyDict) || kwargs.entries.size > 0) r.fail('NEWOBJ_EX keyword arguments');
          this.push(this.call(callee, args));
          break;
        }
        case 0x62: // BUILD
          this.build();
          break;
        case 0x51: // BINPERSID
          this.push(this.options.persistentLoad(this.pop()));
          break;
        case 0x50: // PERSID
          this.push(this.options.persistentLoad(r.line()));
          break;
        case 0x82:
        case 0x83:
        case 0x84:
          return r.fail('an extension-registry global (EXT1/EXT2/EXT4), which is refused');
        case 0x97:
        case 0x98:
          return r.fail('an out-of-band buffer (protocol 5), which torch.save never writes');
        case 0x53:
        case 0x56:
          return r.fail('a protocol-0 quoted string (STRING/UNICODE), which torch.save never writes');
        default:
          return r.fail(`unknown pickle opcode 0x${opcode.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

/** Run a pickle and return the value it builds, refusing any global outside the allowlist. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PyValue {
  return new Machine(new PickleReader(bytes, options.file), options).run();
}
