import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../../src/main/engine/io/safetensors-dtypes';
import { openSafetensors, readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { encodeSafetensors, writeSafetensors } from '../../../../src/main/engine/io/safetensors-writer';
import { tempDir } from '../../../helpers/temp-dir';

/** A safetensors file built by hand from the spec: u64 LE length, JSON padded with spaces to 8, data. */
function handBuilt(json: string, ...data: Uint8Array[]): Uint8Array {
  const text = Buffer.from(json, 'utf8');
  const padded = Math.ceil(text.length / 8) * 8;
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(padded));
  const padding = Buffer.alloc(padded - text.length, 0x20);
  return new Uint8Array(Buffer.concat([length, text, padding, ...data]));
}

function le(array: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function sampleTensors(): Map<string, Tensor> {
  const conv = new Float32Array(2 * 3 * 1 * 1 * 2).map((_, i) => Math.sin(i) * 1e-3);
  conv[0] = -0; // signed zero and odd values must survive bit for bit
  conv[1] = Number.MIN_VALUE;
  conv[2] = NaN;
  return new Map<string, Tensor>([
    ['layer1.0.conv1.weight', { dtype: 'F32', shape: [2, 3, 1, 1, 2], data: conv }],
    ['layer1.0.bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: new BigInt64Array([123456789012345n]) }],
    ['layer1.0.bn1.running_mean', { dtype: 'F32', shape: [2], data: new Float32Array([0.5, -2.25]) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

describe('safetensors writer and reader', () => {
  it('round-trips bit for bit, and writing what was read gives the identical file', () => {
    const dir = tempDir();
    const first = path.join(dir, 'a.safetensors');
    const second = path.join(dir, 'b.safetensors');
    const tensors = sampleTensors();
    writeSafetensors(first, tensors, new Map([['format', 'pt']]));

    const read = readSafetensors(first);
    expect([...read.metadata]).toEqual([['format', 'pt']]);
    expect(new Set(read.tensors.keys())).toEqual(new Set(tensors.keys()));
    for (const [name, original] of tensors) {
      const back = read.tensors.get(name);
      expect(back?.dtype).toBe(original.dtype);
      expect(back?.shape).toEqual(original.shape);
      if (!back) throw new Error(name);
      expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength)).toEqual(
        Buffer.from(original.data.buffer, original.data.byteOffset, original.data.byteLength),
      );
    }

    writeSafetensors(second, read.tensors, read.metadata);
    expect(fs.readFileSync(second)).toEqual(fs.readFileSync(first));
    expect(fs.readdirSync(dir).sort()).toEqual(['a.safetensors', 'b.safetensors']); // no temporary left
  });

  it('reads one tensor at a time from an open file, and its stored bytes', () => {
    const file = path.join(tempDir(), 'm.safetensors');
    writeSafetensors(file, sampleTensors());
    const handle = openSafetensors(file);
    try {
      expect(handle.tensors.get('layer1.0.bn1.running_mean')).toEqual({ dtype: 'F32', shape: [2], byteLength: 8 });
      expect([...handle.read('layer1.0.bn1.running_mean').data]).toEqual([0.5, -2.25]);
      expect(handle.readBytes('layer1.0.bn1.running_mean')).toEqual(le(new Float32Array([0.5, -2.25])));
      expect(() => handle.read('nope')).toThrow(/has no tensor named "nope"/);
    } finally {
      handle.close();
    }
    expect(() => handle.read('empty')).toThrow(/after it was closed/);
  });

  it('writes the bytes of the official test vector (safetensors tensor.rs test_serialization_forced_alignement)', () => {
    // The official library's own expected output for {"attn0": F32 [1,1,2,3] = 0..5}.
    // prettier-ignore
    const official = [
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
      121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
      91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
      115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
      32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
      160, 64,
    ];
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    const ours = encodeSafetensors(new Map<string, Tensor>([['attn0', { dtype: 'F32', shape: [1, 1, 2, 3], data }]]));
    expect([...ours]).toEqual(official);
    expect(ours).toEqual(handBuilt('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}', le(data)));
  });

  it('writes the official empty files, with and without metadata (tensor.rs test_empty)', () => {
    expect([...encodeSafetensors(new Map())]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(encodeSafetensors(new Map(), new Map([['framework', 'pt']]))).toEqual(
      handBuilt('{"__metadata__":{"framework":"pt"}}'),
    );
  });

  it('matches a hand-built file of a small PyTorch state dict, as safetensors.torch.save_file would write it', () => {
    // The official writer orders by descending dtype alignment (I64 before F32), then by name,
    // puts __metadata__ first and writes compact JSON with fields dtype, shape, data_offsets.
    const bias = new Float32Array([1.5, -1]);
    const weight = new Float32Array([0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    const tracked = new BigInt64Array([7n]);
    const expected = handBuilt(
      '{"__metadata__":{"format":"pt"},' +
        '"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
        '"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
        '"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[16,40]}}',
      le(tracked),
      le(bias),
      le(weight),
    );
    const file = path.join(tempDir(), 'hand.safetensors');
    fs.writeFileSync(file, expected);

    const read = readSafetensors(file);
    expect([...read.tensors.keys()]).toEqual(['bn.num_batches_tracked', 'fc.bias', 'fc.weight']);
    expect(read.tensors.get('bn.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: tracked });
    expect(read.tensors.get('fc.weight')).toEqual({ dtype: 'F32', shape: [2, 3], data: weight });

    const ours = encodeSafetensors(
      new Map<string, Tensor>([
        ['fc.weight', { dtype: 'F32', shape: [2, 3], data: weight }],
        ['fc.bias', { dtype: 'F32', shape: [2], data: bias }],
        ['bn.num_batches_tracked', { dtype: 'I64', shape: [], data: tracked }],
      ]),
      new Map([['format', 'pt']]),
    );
    expect(ours).toEqual(expected);
  });

  it('reads every other dtype: F64, I32, I16, U8, BOOL', () => {
    const file = path.join(tempDir(), 'dtypes.safetensors');
    const tensors = new Map<string, Tensor>([
      ['f64', { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) }],
      ['i32', { dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 7]) }],
      ['i16', { dtype: 'I16', shape: [3], data: new Int16Array([-32768, 0, 32767]) }],
      ['u8', { dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) }],
      ['mask', { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) }],
    ]);
    writeSafetensors(file, tensors);
    const read = readSafetensors(file);
    for (const [name, tensor] of tensors) expect(read.tensors.get(name)).toEqual(tensor);
  });

  it('refuses to write a tensor whose shape does not match its values, naming the file and tensor', () => {
    const file = path.join(tempDir(), 'bad.safetensors');
    expect(() =>
      writeSafetensors(
        file,
        new Map<string, Tensor>([['w', { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]]),
      ),
    ).toThrow(/bad\.safetensors: tensor "w" has shape \[2, 2\] \(4 values\) but 3 F32 values/);
    expect(fs.existsSync(file)).toBe(false);
  });
});
