/**
 * Read PyTorch checkpoints (torch.save's zip format, torch >= 1.6, 2.x included) without running
 * any of their code and without loading them whole: the zip directory and data.pkl are read at
 * open, data.pkl is run through the restricted unpickler (only tensors and state dicts), and
 * each tensor's bytes are read on demand with fs.readSync at its storage offset, straight into
 * the typed array that is returned (a non-contiguous view goes through one temporary copy of
 * the span it covers).
 */
import fs from 'node:fs';
import { BugError, UserError } from '../../../../shared/errors';
import { openForReading } from '../file-reads';
import type { Tensor } from '../safetensors-dtypes';
import { readTensorValues } from '../tensor-bytes';
import { invalidCheckpoint } from './checkpoint-errors';
import { storageClassDtype } from './pickle-allowlist';
import { PyGlobal, PyTuple, StorageRef, type PyValue, type TensorRef } from './pickle-values';
import { unpickle } from './restricted-unpickler';
import { TORCH_DTYPE_SIZES, type TorchDtype } from './torch-dtypes';
import { selectStateDict } from './torch-state-dict';
import { elementCount, gatherView, isContiguous, viewExtent } from './tensor-view';
import { readAt, readZipDirectory, readZipEntry, type ZipEntry } from './zip-directory';

export interface TorchTensorInfo {
  /** The dtype stored in the file; read() gives F16/BF16 as F32 and I8 as I16. */
  dtype: TorchDtype;
  shape: number[];
  /** Bytes of the tensor's values in the stored dtype (not of its whole storage). */
  byteLength: number;
  /** False for a view that read() has to reorder (e.g. a transposed weight). */
  contiguous: boolean;
  /** Saved as an nn.Parameter. */
  isParameter: boolean;
  /** The storage record (archive/data/<key>); tensors sharing a storage share a key. */
  storageKey: string;
}

export interface TorchCheckpoint {
  readonly file: string;
  /** In state-dict order. */
  readonly tensors: ReadonlyMap<string, TorchTensorInfo>;
  /** The wrapper keys followed to reach the state dict (['state_dict'], ...); empty when bare. */
  readonly wrapperPath: readonly string[];
  /** What was unwrapped or skipped, for a person to read. */
  readonly notes: readonly string[];
  /** One tensor's values, contiguous row-major: F16/BF16 as F32, I8 as I16, I64 as BigInt64Array, BOOL as 0/1. */
  read(name: string): Tensor;
  /** Every tensor in order, one at a time: only the one being yielded is held here. */
  entries(): Generator<[string, Tensor]>;
  close(): void;
}

/** data.pkl of a state dict is small (about 100 bytes per tensor); refuse absurd ones before reading. */
const MAX_PICKLE_BYTES = 512 * 2 ** 20;
/** The first bytes of torch.save's legacy (pre-1.6) format: pickle protocol 2, then LONG1 of the magic number. */
const LEGACY_PREFIX = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

function checkFormat(fd: number, fileSize: number, file: string): void {
  const head = new Uint8Array(Math.min(fileSize, LEGACY_PREFIX.length));
  readAt(fd, head, 0, file);
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return;
  if (head.length === LEGACY_PREFIX.length && LEGACY_PREFIX.every((byte, i) => head[i] === byte)) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${file} uses torch.save's legacy format (from torch < 1.6 or _use_new_zipfile_serialization=False), ` +
        'which is not read. Re-save it in the default zip format with Python: ' +
        "torch.save(torch.load('old.pt', map_location='cpu', weights_only=True), 'new.pt').",
    );
  }
  if (head[0] === 0x80) {
    throw invalidCheckpoint(file, 'it is a bare pickle, not a torch.save zip archive; re-save it with torch.save');
  }
  throw invalidCheckpoint(
    file,
    fileSize < 4 ? `it has only ${fileSize} bytes` : 'it is not a zip archive (a torch.save checkpoint starts with PK)',
  );
}

/** The archive's folder: torch names it after the file ('model/data.pkl') or 'archive'. */
function findArchive(entries: ReadonlyMap<string, ZipEntry>, file: string): string {
  const prefixes = [...entries.keys()].flatMap((name) => /^([^/]+)\/data\.pkl$/.exec(name)?.[1] ?? []);
  if (prefixes.length !== 1) {
    throw invalidCheckpoint(
      file,
      prefixes.length === 0
        ? 'its zip archive has no <folder>/data.pkl, so it was not written by torch.save'
        : `its zip archive has ${prefixes.length} data.pkl records`,
    );
  }
  const prefix = prefixes[0] ?? '';
  if (entries.has(`${prefix}/constants.pkl`) || [...entries.keys()].some((n) => n.startsWith(`${prefix}/code/`))) {
    throw invalidCheckpoint(
      file,
      'it is a TorchScript archive (torch.jit.save), which holds code; save the weights with ' +
        "torch.save(model.state_dict(), 'weights.pt') instead",
    );
  }
  return prefix;
}

function checkByteOrder(fd: number, entries: ReadonlyMap<string, ZipEntry>, prefix: string, file: string): void {
  const record = entries.get(`${prefix}/byteorder`);
  if (record === undefined) return; // torch < 1.13 wrote none: little-endian
  if (record.size > 16) throw invalidCheckpoint(file, 'its byteorder record is damaged');
  const order = new TextDecoder().decode(readZipEntry(fd, record, file)).trim();
  if (order === 'big') {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${file} was saved on a big-endian machine, which is not read. Load it there with torch and re-save it ` +
        'on a little-endian (x86 or ARM) machine.',
    );
  }
  if (order !== 'little') throw invalidCheckpoint(file, `its byteorder record says "${order}"`);
}

/** Resolve torch.save's persistent ids: ('storage', StorageClass, key, location, numel). */
function storageLoader(
  entries: ReadonlyMap<string, ZipEntry>,
  prefix: string,
  file: string,
): (pid: PyValue) => StorageRef {
  const storages = new Map<string, StorageRef>();
  return (pid) => {
    const items = pid instanceof PyTuple ? pid.items : [];
    const [tag, storageClass, key, location, numel] = items;
    const dtype = storageClass instanceof PyGlobal ? storageClassDtype(storageClass) : undefined;
    if (
      items.length !== 5 ||
      tag !== 'storage' ||
      dtype === undefined ||
      typeof key !== 'string' ||
      typeof location !== 'string' ||
      typeof numel !== 'number' ||
      !Number.isSafeInteger(numel) ||
      numel < 0
    ) {
      throw invalidCheckpoint(file, 'its data.pkl has a persistent id that is not a torch storage reference');
    }
    const elementDtype: TorchDtype = dtype === 'untyped' ? 'U8' : dtype;
    const cacheKey = `${key}\u0000${elementDtype}`;
    const known = storages.get(cacheKey);
    if (known) return known;
    const record = entries.get(`${prefix}/data/${key}`);
    if (record === undefined) throw invalidCheckpoint(file, `its storage ${key} has no ${prefix}/data/${key} record`);
    const needed = numel * TORCH_DTYPE_SIZES[elementDtype];
    if (record.size < needed) {
      throw invalidCheckpoint(
        file,
        `its storage ${key} holds ${record.size} bytes, fewer than the ${needed} it declares`,
      );
    }
    const storage = new StorageRef(key, elementDtype, numel, location);
    storages.set(cacheKey, storage);
    return storage;
  };
}

/**
 * A stride-0 (expanded) view can describe far more values than its storage holds; reading it
 * whole would allocate them all. Beyond this many bytes over the file's size it is refused.
 */
const MAX_EXPANSION_BYTES = 64 * 2 ** 20;

/** The tensor's bytes lie inside its storage and fit in memory; checked at open, before anything is read. */
function checkView(name: string, tensor: TensorRef, file: string, fileSize: number): void {
  const elementSize = TORCH_DTYPE_SIZES[tensor.dtype];
  const storageBytes = tensor.storage.numel * TORCH_DTYPE_SIZES[tensor.storage.dtype];
  const { end } = viewExtent(tensor);
  const count = elementCount(tensor.shape);
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(end) || end * elementSize > storageBytes) {
    throw invalidCheckpoint(
      file,
      `tensor ${name} (shape [${tensor.shape.join(', ')}], offset ${tensor.storageOffset}) reaches past the end of ` +
        `its storage ${tensor.storage.key} (${storageBytes} bytes)`,
    );
  }
  if (count * elementSize > fileSize + MAX_EXPANSION_BYTES) {
    throw invalidCheckpoint(
      file,
      `tensor ${name} (shape [${tensor.shape.join(', ')}]) would need ${count * elementSize} bytes from a file of ` +
        `${fileSize} bytes (a stride-0 view)`,
    );
  }
}

/** Open a torch.save checkpoint: its state dict's names, dtypes and shapes; values are read on demand. */
export function openTorchCheckpoint(file: string): TorchCheckpoint {
  return openForReading(file, 'PyTorch checkpoint', (fd) => openOnDescriptor(fd, file));
}

function openOnDescriptor(fd: number, file: string): TorchCheckpoint {
  const fileSize = fs.fstatSync(fd).size;
  checkFormat(fd, fileSize, file);
  const entries = readZipDirectory(fd, fileSize, file);
  const prefix = findArchive(entries, file);
  checkByteOrder(fd, entries, prefix, file);
  const pickleEntry = entries.get(`${prefix}/data.pkl`);
  if (pickleEntry === undefined) throw new BugError('data.pkl vanished after it was found');
  if (pickleEntry.size > MAX_PICKLE_BYTES)
    throw invalidCheckpoint(file, `its data.pkl claims ${pickleEntry.size} bytes`);
  const root = unpickle(readZipEntry(fd, pickleEntry, file), {
    file,
    persistentLoad: storageLoader(entries, prefix, file),
  });
  const selection = selectStateDict(root, file);
  const tensors = new Map<string, TorchTensorInfo>();
  for (const [name, tensor] of selection.tensors) {
    checkView(name, tensor, file, fileSize);
    tensors.set(name, {
      dtype: tensor.dtype,
      shape: [...tensor.shape],
      byteLength: elementCount(tensor.shape) * TORCH_DTYPE_SIZES[tensor.dtype],
      contiguous: isContiguous(tensor),
      isParameter: tensor.isParameter,
      storageKey: tensor.storage.key,
    });
  }
  let open = true;

  /** The tensor's values in the stored dtype, row-major, as bytes of a fresh aligned buffer. */
  const readRaw = (tensor: TensorRef, target: Uint8Array): void => {
    const record = entries.get(`${prefix}/data/${tensor.storage.key}`);
    if (record === undefined) throw new BugError(`storage ${tensor.storage.key} vanished after open`);
    const elementSize = TORCH_DTYPE_SIZES[tensor.dtype];
    const { first, end } = viewExtent(tensor);
    if (end === first) return;
    const contiguous = isContiguous(tensor);
    if (record.method === 'stored' && contiguous) {
      readAt(fd, target, record.dataOffset + first * elementSize, file);
      return;
    }
    let span: Uint8Array;
    if (record.method === 'stored') {
      span = new Uint8Array((end - first) * elementSize);
      readAt(fd, span, record.dataOffset + first * elementSize, file);
    } else {
      const whole = readZipEntry(fd, record, file);
      span = new Uint8Array(
        whole.buffer.slice(whole.byteOffset + first * elementSize, whole.byteOffset + end * elementSize),
      );
    }
    if (contiguous) target.set(span.subarray(0, target.length));
    else gatherView(tensor, elementSize, span, target);
  };

  const read = (name: string): Tensor => {
    if (!open) throw new BugError(`${file} was read after it was closed.`);
    const tensor = selection.tensors.get(name);
    if (tensor === undefined) throw new UserError('INVALID_INPUT', `${file} has no tensor named "${name}".`);
    return readTensorValues(
      tensor,
      (target) => readRaw(tensor, target),
      () => invalidCheckpoint(file, `bool tensor ${name} holds a byte other than 0 or 1`),
    );
  };

  return {
    file,
    tensors,
    wrapperPath: selection.wrapperPath,
    notes: selection.notes,
    read,
    *entries() {
      for (const name of tensors.keys()) yield [name, read(name)];
    },
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}

export interface TorchCheckpointContents {
  /** In state-dict order. */
  tensors: Map<string, Tensor>;
  wrapperPath: string[];
  notes: string[];
}

/** Read every tensor of a checkpoint (for small files; stream large ones with openTorchCheckpoint). */
export function readTorchCheckpoint(file: string): TorchCheckpointContents {
  const checkpoint = openTorchCheckpoint(file);
  try {
    return {
      tensors: new Map(checkpoint.entries()),
      wrapperPath: [...checkpoint.wrapperPath],
      notes: [...checkpoint.notes],
    };
  } finally {
    checkpoint.close();
  }
}
