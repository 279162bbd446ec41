/**
 * Parse and validate a safetensors header (format: https://github.com/huggingface/safetensors,
 * README "Format"): 8 bytes little-endian u64 N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then
 * the byte buffer; offsets are relative to the buffer start.
 *
 * Every check mirrors the official parser (safetensors/src/tensor.rs, `read_metadata` and
 * `Metadata::validate`): a header above 100,000,000 bytes is refused (`HeaderTooLarge`); sorted by
 * offset, each tensor must start where the previous one ended (`InvalidOffset`), so gaps and
 * overlaps are refused; shape x dtype size must equal end - begin (`TensorInvalidInfo`), with
 * overflow refused (`ValidationOverflow`); and the last tensor must end exactly at the end of
 * the file (`MetadataIncompleteBuffer`), so unused bytes are refused. We also refuse duplicate
 * keys, which the official parser lets the JSON decoder resolve silently.
 */
import { UserError } from '../../../shared/errors';
import { DTYPE_SIZES, isSafetensorsDtype, type SafetensorsDtype } from './safetensors-dtypes';
import { findDuplicateKey } from './json-duplicate-keys';

/** The official parser's limit (MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor as the header describes it; begin and end are relative to the data buffer. */
export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface ParsedHeader {
  metadata: Map<string, string>;
  /** In file order (by offset). */
  entries: TensorEntry[];
}

export function invalidSafetensors(file: string, problem: string): UserError {
  return new UserError(
    'INVALID_INPUT',
    `${file} is not a valid safetensors file: ${problem}. Export it again with a safetensors writer, or choose another file.`,
  );
}

/** The header length from the first 8 bytes, checked against the limit and the file size. */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw invalidSafetensors(file, `it has ${fileSize} bytes, fewer than the 8 that give the header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw invalidSafetensors(file, `it declares a header of ${n} bytes, above the limit of ${MAX_HEADER_BYTES}`);
  }
  if (8 + Number(n) > fileSize) {
    throw invalidSafetensors(file, `it declares a header of ${n} bytes but the file has only ${fileSize} bytes`);
  }
  return Number(n);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-negative integer; huge ones (beyond 2^53) pass here and are refused as too large later. */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function parseJson(headerBytes: Uint8Array, file: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw invalidSafetensors(file, 'its header is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidSafetensors(file, `its header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(value)) throw invalidSafetensors(file, 'its header is not a JSON object');
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) throw invalidSafetensors(file, `its header has the key "${duplicate}" twice`);
  return value;
}

function parseMetadata(value: unknown, file: string): Map<string, string> {
  if (!isPlainObject(value)) throw invalidSafetensors(file, '"__metadata__" is not an object of strings');
  const metadata = new Map<string, string>();
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalidSafetensors(file, `"__metadata__"."${key}" is not a string`);
    metadata.set(key, entry);
  }
  return metadata;
}

/** Byte size of a shape of a dtype, or undefined when it exceeds `limit` (so never overflows). */
function byteSize(shape: number[], dtype: SafetensorsDtype, limit: number): number | undefined {
  if (shape.includes(0)) return 0;
  let bytes = DTYPE_SIZES[dtype];
  for (const dim of shape) {
    bytes *= dim;
    if (bytes > limit) return undefined;
  }
  return bytes;
}

function parseEntry(name: string, value: unknown, dataSize: number, file: string): TensorEntry {
  const where = `tensor "${name}"`;
  if (!isPlainObject(value)) throw invalidSafetensors(file, `${where} is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw invalidSafetensors(file, `${where} has no dtype`);
  if (!isSafetensorsDtype(dtype)) {
    const known = Object.keys(DTYPE_SIZES).join(', ');
    throw invalidSafetensors(
      file,
      `${where} has dtype "${dtype}", which this program does not read (it reads ${known})`,
    );
  }
  if (!Array.isArray(shape)) throw invalidSafetensors(file, `${where} has no shape array`);
  const badIndex = (shape as unknown[]).findIndex((dim) => !isCount(dim));
  if (badIndex >= 0) {
    const bad: unknown = shape[badIndex];
    throw invalidSafetensors(file, `${where} has shape entry ${JSON.stringify(bad)}, not a non-negative integer`);
  }
  const dims = shape as number[];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw invalidSafetensors(
      file,
      `${where} has data_offsets ${JSON.stringify(offsets)}, not two non-negative integers`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw invalidSafetensors(file, `${where} has reversed data_offsets [${begin}, ${end}]`);
  if (end > dataSize) {
    throw invalidSafetensors(
      file,
      `${where} has data_offsets [${begin}, ${end}] past the end of the ${dataSize}-byte data section`,
    );
  }
  const needed = byteSize(dims, dtype, dataSize);
  if (needed === undefined) {
    throw invalidSafetensors(
      file,
      `${where} has shape [${dims.join(', ')}], larger than the whole ${dataSize}-byte data section`,
    );
  }
  if (needed !== end - begin) {
    throw invalidSafetensors(
      file,
      `${where} has data_offsets [${begin}, ${end}] (${end - begin} bytes) but shape [${dims.join(', ')}] of ${dtype} needs ${needed} bytes`,
    );
  }
  return { name, dtype, shape: dims, begin, end };
}

/** Tensors must tile the data section exactly, in offset order, as the official parser demands. */
function checkTiling(entries: TensorEntry[], dataSize: number, file: string): void {
  let position = 0;
  let previous: TensorEntry | undefined;
  for (const entry of entries) {
    if (entry.begin < position && previous) {
      throw invalidSafetensors(file, `tensor "${entry.name}" overlaps tensor "${previous.name}"`);
    }
    if (entry.begin > position) {
      throw invalidSafetensors(
        file,
        `bytes ${position} to ${entry.begin} of the data section belong to no tensor (a gap before "${entry.name}")`,
      );
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataSize) {
    throw invalidSafetensors(file, `the last ${dataSize - position} bytes of the data section belong to no tensor`);
  }
}

/** Validate the header JSON against a data section of `dataSize` bytes. */
export function parseHeader(headerBytes: Uint8Array, dataSize: number, file: string): ParsedHeader {
  const json = parseJson(headerBytes, file);
  let metadata = new Map<string, string>();
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(value, file);
    else entries.push(parseEntry(name, value, dataSize, file));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkTiling(entries, dataSize, file);
  return { metadata, entries };
}
