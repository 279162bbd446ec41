/**
 * Decode IEEE 754 half precision (F16) and bfloat16 (BF16) little-endian bytes to Float32Array.
 * Both decodings are exact: every F16 and BF16 value (NaN payloads aside for F16) is a float32.
 */

let f16Table: Float32Array | undefined;

/** The float32 value of every one of the 65,536 half-precision bit patterns. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) table[bits] = halfBitsToNumber(bits);
  f16Table = table;
  return table;
}

/** One half-precision bit pattern as a number: sign, 5-bit exponent (bias 15), 10-bit fraction. */
export function halfBitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Little-endian F16 bytes (an even count) to float32 values. */
export function decodeF16(bytes: Uint8Array): Float32Array {
  const table = halfTable();
  const out = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const bits = (bytes[2 * i] ?? 0) | ((bytes[2 * i + 1] ?? 0) << 8);
    out[i] = table[bits] ?? NaN;
  }
  return out;
}

/** Little-endian BF16 bytes (an even count) to float32 values: BF16 is the top half of a float32. */
export function decodeBF16(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >> 1);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) {
    words[i] = (((bytes[2 * i] ?? 0) | ((bytes[2 * i + 1] ?? 0) << 8)) << 16) >>> 0;
  }
  return out;
}
