import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBF16, decodeF16 } from '../../../../src/main/engine/io/half-float';
import { readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { tempDir } from '../../../helpers/temp-dir';

/** Little-endian bytes of 16-bit patterns. */
function words(...bits: number[]): Uint8Array {
  return new Uint8Array(bits.flatMap((b) => [b & 0xff, b >> 8]));
}

describe('half-precision decoding', () => {
  it('decodes F16 bit patterns: normals, subnormals, zeros, infinities, NaN', () => {
    const values = decodeF16(words(0x3c00, 0xc000, 0x3555, 0x7bff, 0x0400, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00));
    expect([...values.slice(0, 6)]).toEqual([1, -2, 0.333251953125, 65504, 2 ** -14, 2 ** -24]);
    expect(Object.is(values[6], -0)).toBe(true);
    expect(values[7]).toBe(Infinity);
    expect(values[8]).toBe(-Infinity);
    expect(values[9]).toBeNaN();
  });

  it('decodes BF16 as the top half of a float32, bit for bit', () => {
    const values = decodeBF16(words(0x3f80, 0xc040, 0x3eab, 0x7f7f, 0x0001, 0x8000, 0x7f80, 0x7fc1));
    expect([...values.slice(0, 5)]).toEqual([1, -3, 0.333984375, 3.3895313892515355e38, 9.183549615799121e-41]);
    expect(Object.is(values[5], -0)).toBe(true);
    expect(values[6]).toBe(Infinity);
    expect(new Uint32Array(values.buffer)[7]).toBe(0x7fc10000); // NaN payload kept
  });

  it('reads F16 and BF16 tensors of a hand-built file as F32', () => {
    const json =
      '{"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"h":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(padded.length));
    const file = path.join(tempDir(), 'half.safetensors');
    fs.writeFileSync(file, Buffer.concat([length, Buffer.from(padded), words(0x4049, 0xbf80), words(0x4248, 0x3800)]));
    const read = readSafetensors(file);
    expect(read.tensors.get('b')).toEqual({ dtype: 'F32', shape: [2], data: new Float32Array([3.140625, -1]) });
    expect(read.tensors.get('h')).toEqual({ dtype: 'F32', shape: [2], data: new Float32Array([3.140625, 0.5]) });
  });
});
