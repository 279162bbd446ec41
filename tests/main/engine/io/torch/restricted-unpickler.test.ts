import { describe, expect, it } from 'vitest';
import type { UserError } from '../../../../../src/shared/errors';
import { PyDict, PySet, PyTuple, TensorRef, type PyValue } from '../../../../../src/main/engine/io/torch/pickle-values';
import { unpickle } from '../../../../../src/main/engine/io/torch/restricted-unpickler';
import { StorageRef } from '../../../../../src/main/engine/io/torch/pickle-values';
import { checkpointRefusal } from './checkpoint-refusal';
import { bytes, fromHex, op, storagePersistentId } from './pickle-bytes';

/** CPython's pickle.dumps of one object at protocols 2 to 5 (see toPlain below for what it holds). */
const PYTHON_PICKLES: Record<number, string> = {
  2: '80027d71002858040000006e6f6e6571014e5805000000666c61677371025d7103288889655804000000696e747371045d7105284b004bff4dffff4affffffff4affffff7f4a000000808a060000000000018a090000000000000000c0655805000000666c6f6174710647be8421f5f40d83765804000000746578747107580a00000068c3a96c6c6f20e298837108580500000062797465737109635f636f646563730a656e636f64650a710a58040000000001c3bf710b58060000006c6174696e31710c86710d52710e58050000007475706c65710f4b014b024b038671102987711158060000006e657374656471127d711358010000006b71145d711528473ff4000000000000580100000076711665734b075807000000696e74206b6579711758030000007365747118635f5f6275696c74696e5f5f0a7365740a71195d711a4b036185711b52711c58020000006673711d635f5f6275696c74696e5f5f0a66726f7a656e7365740a711e5d711f4b0461857120527121580600000073686172656471225d7123284b014b02656823867124752e',
  3: '80037d71002858040000006e6f6e6571014e5805000000666c61677371025d7103288889655804000000696e747371045d7105284b004bff4dffff4affffffff4affffff7f4a000000808a060000000000018a090000000000000000c0655805000000666c6f6174710647be8421f5f40d83765804000000746578747107580a00000068c3a96c6c6f20e29883710858050000006279746573710943030001ff710a58050000007475706c65710b4b014b024b0386710c2987710d58060000006e6573746564710e7d710f58010000006b71105d711128473ff4000000000000580100000076711265734b075807000000696e74206b6579711358030000007365747114636275696c74696e730a7365740a71155d71164b0361857117527118580200000066737119636275696c74696e730a66726f7a656e7365740a711a5d711b4b046185711c52711d5806000000736861726564711e5d711f284b014b0265681f867120752e',
  4: '800495ed000000000000007d94288c046e6f6e65944e8c05666c616773945d94288889658c04696e7473945d94284b004bff4dffff4affffffff4affffff7f4a000000808a060000000000018a090000000000000000c0658c05666c6f61749447be8421f5f40d83768c0474657874948c0a68c3a96c6c6f20e29883948c0562797465739443030001ff948c057475706c65944b014b024b0386942987948c066e6573746564947d948c016b945d9428473ff40000000000008c01769465734b078c07696e74206b6579948c03736574948f94284b03908c02667394284b0491948c06736861726564945d94284b014b026568198694752e',
  5: '800595ed000000000000007d94288c046e6f6e65944e8c05666c616773945d94288889658c04696e7473945d94284b004bff4dffff4affffffff4affffff7f4a000000808a060000000000018a090000000000000000c0658c05666c6f61749447be8421f5f40d83768c0474657874948c0a68c3a96c6c6f20e29883948c0562797465739443030001ff948c057475706c65944b014b024b0386942987948c066e6573746564947d948c016b945d9428473ff40000000000008c01769465734b078c07696e74206b6579948c03736574948f94284b03908c02667394284b0491948c06736861726564945d94284b014b026568198694752e',
};

/** The Python object pickled above, in toPlain's notation. */
const PYTHON_OBJECT = {
  dict: [
    ['none', null],
    ['flags', [true, false]],
    ['ints', [0, 255, 65535, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2n ** 70n)]],
    ['float', -1.5e-7],
    ['text', 'h\u00e9llo \u2603'],
    ['bytes', { bytes: [0, 1, 255] }],
    ['tuple', { tuple: [1, { tuple: [2, 3] }, { tuple: [] }] }],
    ['nested', { dict: [['k', [1.25, 'v']]] }],
    [7, 'int key'],
    ['set', { set: [3] }],
    ['fs', { set: [4] }],
    [
      'shared',
      {
        tuple: [
          [1, 2],
          [1, 2],
        ],
      },
    ],
  ],
};

type Plain = null | boolean | number | bigint | string | Plain[] | { [key: string]: Plain | [Plain, Plain][] };

function toPlain(value: PyValue): Plain {
  if (value instanceof Uint8Array) return { bytes: Array.from(value) };
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof PyTuple) return { tuple: value.items.map(toPlain) };
  if (value instanceof PySet) return { set: value.items.map(toPlain) };
  if (value instanceof PyDict) return { dict: [...value.entries].map(([k, v]): [Plain, Plain] => [k, toPlain(v)]) };
  if (value === null || ['boolean', 'number', 'bigint', 'string'].includes(typeof value)) return value as Plain;
  return { other: value.constructor.name };
}

const noStorages = (): PyValue => {
  throw new Error('no persistent ids expected');
};

function load(data: Uint8Array, persistentLoad: (pid: PyValue) => PyValue = noStorages): PyValue {
  return unpickle(data, { file: 'test.pt', persistentLoad });
}

function refusal(data: Uint8Array): UserError {
  return checkpointRefusal(() => load(data), 'the pickle');
}

describe('restricted unpickler: plain data', () => {
  for (const protocol of [2, 3, 4, 5]) {
    it(`rebuilds CPython's protocol-${protocol} pickle of dicts, lists, tuples, sets, numbers, strings and bytes`, () => {
      expect(toPlain(load(fromHex(PYTHON_PICKLES[protocol] ?? '')))).toEqual(PYTHON_OBJECT);
    });
  }

  it('keeps memoised objects shared (the same list twice is one list)', () => {
    const value = load(fromHex(PYTHON_PICKLES[4] ?? ''));
    const shared = value instanceof PyDict ? value.entries.get('shared') : undefined;
    expect(shared).toBeInstanceOf(PyTuple);
    const [first, second] = (shared as PyTuple).items;
    expect(first).toBe(second);
  });

  it('builds an OrderedDict through its allowed global', () => {
    const value = load(
      fromHex('800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710158010000006171024b01732e'),
    );
    expect(value).toBeInstanceOf(PyDict);
    expect((value as PyDict).pythonType).toBe('collections.OrderedDict');
    expect([...(value as PyDict).entries]).toEqual([['a', 1]]);
  });

  it('rebuilds a tensor from _rebuild_tensor_v2 and a persistent storage id', () => {
    const storage = new StorageRef('0', 'F32', 6, 'cpu');
    const pickle = bytes(
      op.proto(2),
      op.global('torch._utils', '_rebuild_tensor_v2'),
      op.mark,
      storagePersistentId('FloatStorage', { numel: 6 }),
      op.int1(1),
      op.int1(2),
      op.tuple1,
      op.int1(3),
      op.tuple1,
      op.newFalse,
      op.global('collections', 'OrderedDict'),
      op.emptyTuple,
      op.reduce,
      op.tuple,
      op.reduce,
      op.stop,
    );
    const pids: PyValue[] = [];
    const tensor = load(pickle, (pid) => {
      pids.push(pid);
      return storage;
    });
    expect(toPlain(pids[0] ?? null)).toEqual({ tuple: ['storage', { other: 'PyGlobal' }, '0', 'cpu', 6] });
    expect(tensor).toBeInstanceOf(TensorRef);
    expect(tensor).toMatchObject({ storage, dtype: 'F32', storageOffset: 1, shape: [2], stride: [3] });
  });
});

describe('restricted unpickler: refusals', () => {
  const command = op.str('touch /tmp/ctvlm-should-never-exist');

  it('refuses GLOBAL os.system where it is named, before the REDUCE that would call it', () => {
    const error = refusal(bytes(op.proto(2), op.global('os', 'system'), command, op.tuple1, op.reduce, op.stop));
    expect(error.message).toContain('asks to call os.system');
    expect(error.message).toContain('only tensors and state dicts are loaded');
  });

  it('refuses STACK_GLOBAL builtins.eval, naming it', () => {
    const error = refusal(
      bytes(op.proto(4), op.str('builtins'), op.str('eval'), op.stackGlobal, command, op.tuple1, op.reduce, op.stop),
    );
    expect(error.message).toContain('asks to call builtins.eval');
  });

  it('refuses an arbitrary class built with NEWOBJ, and INST of a protocol-0 pickle', () => {
    expect(
      refusal(bytes(op.proto(2), op.global('mymodel', 'Net'), op.emptyTuple, op.newobj, op.stop)).message,
    ).toContain('asks to call mymodel.Net');
    expect(refusal(bytes(op.mark, command, op.inst('subprocess', 'call'), op.stop)).message).toContain(
      'asks to call subprocess.call',
    );
  });

  it('maps Python 2 module names before checking, so __builtin__.eval is refused as builtins.eval', () => {
    expect(refusal(bytes(op.proto(2), op.global('__builtin__', 'eval'), op.stop)).message).toContain(
      'asks to call builtins.eval',
    );
  });

  it('refuses a global even when it is never called (torch.load(weights_only) semantics)', () => {
    const error = refusal(
      bytes(op.proto(2), op.emptyDict, op.str('x'), op.global('posix', 'system'), op.setItem, op.stop),
    );
    expect(error.message).toContain('asks to call posix.system');
  });

  it('refuses REDUCE on a value that is not an allowed callable, and BUILD on a list', () => {
    expect(refusal(bytes(op.proto(2), op.str('os.system'), op.emptyTuple, op.reduce, op.stop)).message).toMatch(
      /calls a str, which is not callable/,
    );
    expect(refusal(bytes(op.proto(2), op.emptyList, op.emptyDict, op.build, op.stop)).message).toMatch(
      /BUILD on a list/,
    );
    expect(
      refusal(bytes(op.proto(2), op.global('torch', 'Tensor'), op.emptyTuple, op.reduce, op.stop)).message,
    ).toMatch(/torch\.Tensor, which is a type and cannot be called/);
  });

  it('refuses tensor rebuilds with arguments of the wrong kind', () => {
    const pickle = bytes(
      op.proto(2),
      op.global('torch._utils', '_rebuild_tensor_v2'),
      op.mark,
      op.str('not a storage'),
      op.int1(0),
      op.emptyTuple,
      op.emptyTuple,
      op.newFalse,
      op.none,
      op.tuple,
      op.reduce,
      op.stop,
    );
    expect(refusal(pickle).message).toMatch(/_rebuild_tensor_v2\(\.\.\.\) was given a str instead of a storage/);
  });

  it('refuses truncated pickles, dangling memo references, the extension registry and unknown opcodes', () => {
    expect(refusal(bytes(op.proto(2), 0x58, 0xff, 0, 0, 0, 0x41)).message).toMatch(/ends early.*truncated pickle/);
    expect(refusal(bytes(op.proto(2), op.emptyDict, op.stop).subarray(0, 3)).message).toMatch(/ends early/);
    expect(refusal(bytes(op.proto(2), op.binget(9), op.stop)).message).toMatch(/memo entry 9, which was never stored/);
    expect(refusal(bytes(op.proto(2), 0x82, 1, op.stop)).message).toMatch(/extension-registry global/);
    expect(refusal(bytes(op.proto(2), 0xff)).message).toMatch(/unknown pickle opcode 0xff/);
    expect(refusal(bytes(op.proto(6), op.none, op.stop)).message).toMatch(/pickle protocol 6/);
  });
});
