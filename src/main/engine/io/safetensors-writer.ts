/**
 * Write safetensors files byte for byte as the official library does (safetensors/src/tensor.rs,
 * `prepare` and `serialize`): tensors ordered by descending dtype alignment then by name (UTF-8
 * byte order), compact JSON with `__metadata__` first and fields in the order dtype, shape,
 * data_offsets, the header padded with spaces to a multiple of 8 bytes, then the tensors' bytes
 * back to back. Metadata keys are sorted (the official writer uses a hash map, so its order is
 * arbitrary); `__metadata__` is written only when there is some. The file is written atomically.
 */
import os from 'node:os';
import { BugError, UserError } from '../../../shared/errors';
import { writeFileAtomic } from '../../fs/atomic-write';
import { DTYPE_RANK, DTYPE_SIZES, type Tensor } from './safetensors-dtypes';

const encoder = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkTensor(name: string, tensor: Tensor, where: string): void {
  const problem = (text: string): UserError =>
    new UserError('INVALID_INPUT', `Cannot write ${where}: tensor "${name}" ${text}.`);
  if (name === '__metadata__') throw problem('uses the reserved name "__metadata__"');
  if (!tensor.shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw problem(`has shape [${tensor.shape.join(', ')}], which is not a list of non-negative integers`);
  }
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (count * DTYPE_SIZES[tensor.dtype] !== tensor.data.byteLength) {
    throw problem(
      `has shape [${tensor.shape.join(', ')}] (${count} values) but ${tensor.data.length} ${tensor.dtype} values`,
    );
  }
}

/** The bytes of a safetensors file holding these tensors and metadata. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: ReadonlyMap<string, string> = new Map(),
  where = 'a safetensors file',
): Uint8Array {
  if (os.endianness() !== 'LE') throw new BugError('safetensors writing needs a little-endian machine.');
  const ordered = [...tensors.entries()].sort(
    ([nameA, a], [nameB, b]) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(nameA, nameB),
  );
  const fields: string[] = [];
  if (metadata.size > 0) {
    const pairs = [...metadata.entries()].sort(([a], [b]) => compareUtf8(a, b));
    fields.push(`"__metadata__":{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  let offset = 0;
  for (const [name, tensor] of ordered) {
    checkTensor(name, tensor, where);
    const end = offset + tensor.data.byteLength;
    fields.push(
      `${JSON.stringify(name)}:{"dtype":"${tensor.dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = encoder.encode(`{${fields.join(',')}}`);
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const bytes = new Uint8Array(8 + padded + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + padded);
  let position = 8 + padded;
  for (const [, tensor] of ordered) {
    bytes.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), position);
    position += tensor.data.byteLength;
  }
  return bytes;
}

/** Write a safetensors file atomically (temporary file, then rename). */
export function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, Tensor>,
  metadata: ReadonlyMap<string, string> = new Map(),
): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata, file));
}
