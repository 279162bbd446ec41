/** Hand-assembled pickle opcodes for tests: each helper returns the bytes of one instruction. */

const encoder = new TextEncoder();

export function bytes(...parts: (number | readonly number[] | Uint8Array)[]): Uint8Array {
  const flat: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') flat.push(part);
    else flat.push(...part);
  }
  return Uint8Array.from(flat);
}

const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

export const op = {
  proto: (n: number) => [0x80, n],
  global: (module: string, name: string) => [0x63, ...encoder.encode(`${module}\n${name}\n`)],
  inst: (module: string, name: string) => [0x69, ...encoder.encode(`${module}\n${name}\n`)],
  str: (text: string) => {
    const raw = encoder.encode(text);
    return [0x58, ...u32(raw.length), ...raw];
  },
  int1: (n: number) => [0x4b, n],
  mark: [0x28],
  tuple: [0x74],
  tuple1: [0x85],
  tuple2: [0x86],
  emptyTuple: [0x29],
  emptyList: [0x5d],
  emptyDict: [0x7d],
  setItem: [0x73],
  setItems: [0x75],
  reduce: [0x52],
  newobj: [0x81],
  build: [0x62],
  binpersid: [0x51],
  stackGlobal: [0x93],
  memoize: [0x94],
  binget: (n: number) => [0x68, n],
  binput: (n: number) => [0x71, n],
  newFalse: [0x89],
  none: [0x4e],
  stop: [0x2e],
};

/** Storage '0' as torch.save refers to it: BINPERSID of ('storage', <module>.<class>, '0', location, numel). */
export function storagePersistentId(
  storageClass: string,
  { numel, location = 'cpu', module = 'torch' }: { numel: number; location?: string; module?: string },
): number[] {
  return [
    ...op.mark,
    ...op.str('storage'),
    ...op.global(module, storageClass),
    ...op.str('0'),
    ...op.str(location),
    ...op.int1(numel),
    ...op.tuple,
    ...op.binpersid,
  ];
}

/** Python pickle.dumps output (hex), taken with CPython 3.11. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
