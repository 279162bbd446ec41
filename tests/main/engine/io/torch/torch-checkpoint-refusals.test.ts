import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { UserError } from '../../../../../src/shared/errors';
import { openTorchCheckpoint, readTorchCheckpoint } from '../../../../../src/main/engine/io/torch';
import { tempDir } from '../../../../helpers/temp-dir';
import { checkpointRefusal } from './checkpoint-refusal';
import { bytes, op, storagePersistentId } from './pickle-bytes';
import { fixture, numbers } from './torch-fixtures';
import { plainZip } from './zip-bytes';

/** What each payload would create if it ran (tools/parity/make_torch_checkpoint_fixtures.py). */
const MARKER = '/tmp/ctvlm-torch-fixture-pwned-';

function refusal(file: string): UserError {
  return checkpointRefusal(() => readTorchCheckpoint(file), file);
}

function writeZip(records: [string, Uint8Array][], method: 'stored' | 'deflated' = 'stored'): string {
  const file = path.join(tempDir(), 'crafted.pt');
  fs.writeFileSync(file, plainZip(records, method));
  return file;
}

/** A one-tensor pickle: 'w' = _rebuild_tensor_v2(storage, offset, (size,), (1,), False, OrderedDict()). */
function oneTensorPickle(
  storageClass: string,
  numel: number,
  offset: number,
  size: number,
  { module = 'torch', location = 'cpu' } = {},
): Uint8Array {
  return bytes(
    op.proto(2),
    op.emptyDict,
    op.str('w'),
    op.global('torch._utils', '_rebuild_tensor_v2'),
    op.mark,
    storagePersistentId(storageClass, { location, numel, module }),
    op.int1(offset),
    op.int1(size),
    op.tuple1,
    op.int1(1),
    op.tuple1,
    op.newFalse,
    op.global('collections', 'OrderedDict'),
    op.emptyTuple,
    op.reduce,
    op.tuple,
    op.reduce,
    op.setItem,
    op.stop,
  );
}

describe('PyTorch checkpoint reader: malicious pickles are refused, naming the global, and nothing runs', () => {
  const cases = [
    ['evil-os-system.pt', 'os-system', 'os.system'],
    ['evil-eval.pt', 'eval', 'builtins.eval'],
    ['evil-newobj.pt', 'newobj', '__main__.EvilPayload'],
    ['evil-state-dict.pt', 'state-dict', 'posix.system'],
  ] as const;

  beforeEach(() => {
    for (const [, marker] of cases) fs.rmSync(MARKER + marker, { force: true });
  });

  for (const [file, marker, global] of cases) {
    it(`refuses ${file} (${global}) and its payload never runs`, () => {
      const error = refusal(fixture(file));
      expect(error.message).toContain(`refused: the checkpoint asks to call ${global};`);
      expect(error.message).toContain(fixture(file));
      expect(fs.existsSync(MARKER + marker)).toBe(false);
    });
  }
});

describe('PyTorch checkpoint reader: damaged and unsupported files', () => {
  it('refuses a whole pickled module, naming its class and saying how to save a state dict', () => {
    const error = refusal(fixture('whole-module.pt'));
    expect(error.message).toContain('asks to call torch.nn.modules.linear.Linear;');
    expect(error.message).toContain("torch.save(model.state_dict(), 'weights.pt')");
  });

  it('refuses a truncated zip, saying so', () => {
    expect(refusal(fixture('truncated.pt')).message).toMatch(/end-of-central-directory record is missing.*truncated/);
  });

  it('refuses a zip whose data.pkl is corrupt (CRC-32)', () => {
    const original = fs.readFileSync(fixture('state-dict.pt'));
    const dataStart = 30 + original.readUInt16LE(26) + original.readUInt16LE(28);
    const damaged = Buffer.from(original);
    damaged[dataStart + 40] = (damaged[dataStart + 40] ?? 0) ^ 0xff;
    const file = path.join(tempDir(), 'damaged.pt');
    fs.writeFileSync(file, damaged);
    expect(refusal(file).message).toMatch(/data\.pkl fails its CRC-32 check/);
  });

  it('refuses the legacy (non-zip) format and says how to re-save it', () => {
    const error = refusal(fixture('legacy.pt'));
    expect(error.message).toMatch(/legacy format/);
    expect(error.message).toContain(
      "torch.save(torch.load('old.pt', map_location='cpu', weights_only=True), 'new.pt')",
    );
  });

  it('refuses a big-endian checkpoint with a clear message', () => {
    expect(refusal(fixture('big-endian.pt')).message).toMatch(/saved on a big-endian machine/);
  });

  it('refuses files that are not checkpoints at all', () => {
    const file = path.join(tempDir(), 'notes.pt');
    fs.writeFileSync(file, 'just some text, not a checkpoint');
    expect(refusal(file).message).toMatch(/not a zip archive/);
    expect(refusal(writeZip([['a/readme.txt', Buffer.from('hi')]])).message).toMatch(/no <folder>\/data\.pkl/);
    expect(
      refusal(
        writeZip([
          ['m/data.pkl', bytes(op.proto(2), op.none, op.stop)],
          ['m/constants.pkl', new Uint8Array()],
        ]),
      ).message,
    ).toMatch(/TorchScript archive/);
  });

  it('refuses a state dict whose tensor reaches past its storage, or whose storage record is short', () => {
    const good = writeZip([
      ['a/data.pkl', oneTensorPickle('FloatStorage', 4, 1, 3)],
      ['a/data/0', new Uint8Array(new Float32Array([0, 1, 2, 3]).buffer)],
    ]);
    expect(numbers(readTorchCheckpoint(good).tensors.get('w'))).toEqual([1, 2, 3]);
    const pastEnd = writeZip([
      ['a/data.pkl', oneTensorPickle('FloatStorage', 4, 2, 3)],
      ['a/data/0', new Uint8Array(16)],
    ]);
    expect(refusal(pastEnd).message).toMatch(
      /tensor w \(shape \[3\], offset 2\) reaches past the end of its storage 0/,
    );
    const short = writeZip([
      ['a/data.pkl', oneTensorPickle('FloatStorage', 4, 0, 4)],
      ['a/data/0', new Uint8Array(12)],
    ]);
    expect(refusal(short).message).toMatch(/storage 0 holds 12 bytes, fewer than the 16 it declares/);
    const expanded = bytes(
      op.proto(2),
      op.emptyDict,
      op.str('w'),
      op.global('torch._utils', '_rebuild_tensor_v2'),
      op.mark,
      storagePersistentId('FloatStorage', { numel: 1 }),
      op.int1(0),
      [0x4a, 0x00, 0x00, 0x00, 0x40], // BININT 2^30 elements ...
      op.tuple1,
      op.int1(0), // ... all at stride 0
      op.tuple1,
      op.newFalse,
      op.none,
      op.tuple,
      op.reduce,
      op.setItem,
      op.stop,
    );
    const huge = writeZip([
      ['a/data.pkl', expanded],
      ['a/data/0', new Uint8Array(4)],
    ]);
    expect(refusal(huge).message).toMatch(/tensor w \(shape \[1073741824\]\) would need 4294967296 bytes/);
    const missing = writeZip([['a/data.pkl', oneTensorPickle('FloatStorage', 4, 0, 4)]]);
    expect(refusal(missing).message).toMatch(/storage 0 has no a\/data\/0 record/);
  });

  it('reads DEFLATEd entries (a re-zipped archive) and CUDA-saved storages', () => {
    const records: [string, Uint8Array][] = [
      ['a/data.pkl', oneTensorPickle('FloatStorage', 4, 1, 3, { module: 'torch.cuda', location: 'cuda:0' })],
      ['a/data/0', new Uint8Array(new Float32Array([0, 1, 2, 3]).buffer)],
    ];
    expect(numbers(readTorchCheckpoint(writeZip(records, 'deflated')).tensors.get('w'))).toEqual([1, 2, 3]);
  });

  it('refuses element types it does not load, and bool tensors holding other bytes', () => {
    const float8 = bytes(op.proto(2), op.global('torch', 'float8_e4m3fn'), op.stop);
    expect(refusal(writeZip([['a/data.pkl', float8]])).message).toMatch(
      /torch\.float8_e4m3fn tensors, an element type this program does not load/,
    );
    const complex = writeZip([['a/data.pkl', oneTensorPickle('ComplexFloatStorage', 1, 0, 1)]]);
    expect(refusal(complex).message).toMatch(
      /torch\.ComplexFloatStorage tensors, an element type this program does not load/,
    );
    const bools = writeZip([
      ['a/data.pkl', oneTensorPickle('BoolStorage', 2, 0, 2)],
      ['a/data/0', Uint8Array.from([1, 7])],
    ]);
    const checkpoint = openTorchCheckpoint(bools);
    try {
      expect(() => checkpoint.read('w')).toThrow(/bool tensor w holds a byte other than 0 or 1/);
    } finally {
      checkpoint.close();
    }
  });

  it('refuses a checkpoint that holds no state dict', () => {
    const list = writeZip([['a/data.pkl', bytes(op.proto(2), op.emptyList, op.stop)]]);
    expect(refusal(list).message).toMatch(/it holds a list, not a state dict/);
    const noTensors = writeZip([
      ['a/data.pkl', bytes(op.proto(2), op.emptyDict, op.str('epoch'), op.int1(3), op.setItem, op.stop)],
    ]);
    expect(refusal(noTensors).message).toMatch(/holds no tensors where a state dict belongs \(keys: epoch/);
  });
});
