import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/shared/errors';
import { openSafetensors, readSafetensors } from '../../../../src/main/engine/io/safetensors-reader';
import { tempDir } from '../../../helpers/temp-dir';

function lengthPrefix(n: bigint): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(n);
  return prefix;
}

/** A file with this exact header text (unpadded) and this many data bytes. */
function fileWith(header: string | Buffer, dataBytes: number): Buffer {
  const text = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  return Buffer.concat([lengthPrefix(BigInt(text.length)), text, Buffer.alloc(dataBytes, 1)]);
}

function tensor(dtype: string, shape: unknown, offsets: unknown): string {
  return JSON.stringify({ dtype, shape, data_offsets: offsets });
}

/** The reader refuses the bytes with a UserError naming the file and matching `problem`. */
function expectRefused(bytes: Buffer, problem: RegExp): void {
  const file = path.join(tempDir(), 'hostile.safetensors');
  fs.writeFileSync(file, bytes);
  let caught: unknown;
  try {
    readSafetensors(file);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UserError);
  const error = caught as UserError;
  expect(error.code).toBe('INVALID_INPUT');
  expect(error.message).toContain(`${file} is not a valid safetensors file`);
  expect(error.message).toMatch(problem);
}

describe('safetensors reader against hostile files', () => {
  it('refuses a file shorter than 8 bytes', () => {
    expectRefused(Buffer.alloc(0), /it has 0 bytes, fewer than the 8/);
    expectRefused(Buffer.from([1, 2, 3, 4, 5]), /it has 5 bytes, fewer than the 8/);
  });

  it('refuses a header length beyond the file or above 100 MB, before allocating it', () => {
    expectRefused(
      Buffer.concat([lengthPrefix(64n), Buffer.from('{}')]),
      /header of 64 bytes but the file has only 10 bytes/,
    );
    expectRefused(lengthPrefix(100_000_001n), /header of 100000001 bytes, above the limit of 100000000/);
    expectRefused(lengthPrefix(2n ** 64n - 1n), /header of 18446744073709551615 bytes, above the limit/);
  });

  it('refuses a header that is not UTF-8, not JSON, or not an object', () => {
    expectRefused(fileWith(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 0), /header is not valid UTF-8/);
    expectRefused(fileWith('{"a":', 0), /header is not valid JSON/);
    expectRefused(fileWith('\0\0\0\0', 0), /header is not valid JSON/);
    expectRefused(fileWith('[]', 0), /header is not a JSON object/);
    expectRefused(fileWith('null', 0), /header is not a JSON object/);
    expectRefused(fileWith('{"t":[1,2]}', 0), /tensor "t" is not an object/);
  });

  it('refuses an unknown dtype or a missing dtype', () => {
    expectRefused(
      fileWith(`{"t":${tensor('F8_E4M3', [4], [0, 4])}}`, 4),
      /tensor "t" has dtype "F8_E4M3", which this program does not read/,
    );
    expectRefused(fileWith('{"t":{"shape":[1],"data_offsets":[0,4]}}', 4), /tensor "t" has no dtype/);
  });

  it('refuses negative, fractional, non-numeric and absurd shapes', () => {
    expectRefused(fileWith(`{"t":${tensor('F32', [-1], [0, 4])}}`, 4), /shape entry -1, not a non-negative integer/);
    expectRefused(fileWith(`{"t":${tensor('F32', [1.5], [0, 4])}}`, 4), /shape entry 1.5, not a non-negative integer/);
    expectRefused(fileWith(`{"t":${tensor('F32', ['2'], [0, 8])}}`, 8), /shape entry "2", not a non-negative integer/);
    expectRefused(
      fileWith('{"t":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', 4),
      /shape \[1e\+300\], larger than the whole 4-byte data section/,
    );
    expectRefused(fileWith(`{"t":${tensor('F32', 3, [0, 4])}}`, 4), /tensor "t" has no shape array/);
  });

  it('refuses a shape of [1e9, 1e9] without allocating its 4 EB', () => {
    const before = process.memoryUsage().arrayBuffers;
    expectRefused(
      fileWith(`{"t":${tensor('F32', [1e9, 1e9], [0, 8])}}`, 8),
      /shape \[1000000000, 1000000000\], larger than the whole 8-byte data section/,
    );
    // offsets that claim the size too are refused as out of range
    expectRefused(
      fileWith(`{"t":${tensor('F32', [1e9, 1e9], [0, 4e18])}}`, 8),
      /past the end of the 8-byte data section/,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses data_offsets out of range, reversed, malformed or not matching shape x dtype', () => {
    expectRefused(
      fileWith(`{"t":${tensor('F32', [2], [0, 8])}}`, 4),
      /data_offsets \[0, 8\] past the end of the 4-byte/,
    );
    expectRefused(fileWith(`{"t":${tensor('F32', [0], [4, 0])}}`, 4), /reversed data_offsets \[4, 0\]/);
    expectRefused(fileWith(`{"t":${tensor('F32', [1], [0])}}`, 4), /data_offsets \[0\], not two non-negative integers/);
    expectRefused(fileWith(`{"t":${tensor('F32', [1], [-4, 0])}}`, 4), /not two non-negative integers/);
    expectRefused(
      fileWith(`{"t":${tensor('F32', [3], [0, 8])}}`, 16),
      /data_offsets \[0, 8\] \(8 bytes\) but shape \[3\] of F32 needs 12 bytes/,
    );
  });

  it('refuses overlapping tensors', () => {
    expectRefused(
      fileWith(`{"a":${tensor('F32', [2], [0, 8])},"b":${tensor('F32', [2], [4, 12])}}`, 12),
      /tensor "b" overlaps tensor "a"/,
    );
    expectRefused(
      fileWith(`{"a":${tensor('F32', [2], [0, 8])},"b":${tensor('F32', [2], [0, 8])}}`, 8),
      /overlaps tensor/,
    );
  });

  it('refuses gaps and unused bytes, as the official parser does (InvalidOffset, MetadataIncompleteBuffer)', () => {
    expectRefused(
      fileWith(`{"a":${tensor('F32', [1], [0, 4])},"b":${tensor('F32', [1], [8, 12])}}`, 12),
      /bytes 4 to 8 of the data section belong to no tensor \(a gap before "b"\)/,
    );
    expectRefused(fileWith(`{"a":${tensor('F32', [1], [4, 8])}}`, 8), /bytes 0 to 4 .* gap before "a"/);
    expectRefused(
      fileWith(`{"a":${tensor('F32', [1], [0, 4])}}`, 6),
      /the last 2 bytes of the data section belong to no tensor/,
    );
  });

  it('refuses duplicate keys, which JSON.parse would resolve silently', () => {
    expectRefused(
      fileWith(`{"a":${tensor('F32', [1], [0, 4])},"a":${tensor('F32', [1], [0, 4])}}`, 4),
      /has the key "a" twice/,
    );
    expectRefused(
      fileWith(`{"__metadata__":{"k":"1","\\u006b":"2"},"a":${tensor('F32', [1], [0, 4])}}`, 4),
      /has the key "k" twice/,
    );
  });

  it('refuses metadata that is not a map of strings', () => {
    expectRefused(fileWith('{"__metadata__":{"epoch":3}}', 0), /"__metadata__"."epoch" is not a string/);
    expectRefused(fileWith('{"__metadata__":[]}', 0), /"__metadata__" is not an object of strings/);
  });

  it('refuses a BOOL tensor holding other bytes when it is read', () => {
    const bytes = fileWith(`{"m":${tensor('BOOL', [2], [0, 2])}}`, 2);
    bytes[bytes.length - 1] = 2;
    expectRefused(bytes, /BOOL tensor "m" holds a byte other than 0 or 1/);
  });

  it('accepts zero-sized tensors and a padded header; tensor names like __proto__ stay plain names', () => {
    const header = `{"__proto__":${tensor('F32', [1], [0, 4])},"z":${tensor('F32', [0, 3], [4, 4])}}    `;
    const file = path.join(tempDir(), 'ok.safetensors');
    fs.writeFileSync(file, fileWith(header, 4));
    const read = readSafetensors(file);
    expect([...read.tensors.keys()]).toEqual(['__proto__', 'z']);
    expect(read.tensors.get('z')?.data.length).toBe(0);
  });

  it('reports a missing file as an IO error naming it', () => {
    const file = path.join(tempDir(), 'missing.safetensors');
    expect(() => openSafetensors(file)).toThrow(UserError);
    expect(() => openSafetensors(file)).toThrow(`Could not open ${file} (ENOENT)`);
  });
});
