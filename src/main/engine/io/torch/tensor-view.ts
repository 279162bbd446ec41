/**
 * A tensor view's place in its storage (offset, sizes, strides, as torch pickles it) and the
 * copy of a non-contiguous view (a transposed weight, a strided slice) into row-major order.
 */

export interface ViewLayout {
  storageOffset: number;
  shape: readonly number[];
  stride: readonly number[];
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The storage elements the view touches, [first, end), or an empty range for an empty tensor. */
export function viewExtent(view: ViewLayout): { first: number; end: number } {
  if (elementCount(view.shape) === 0) return { first: view.storageOffset, end: view.storageOffset };
  let last = view.storageOffset;
  view.shape.forEach((size, axis) => {
    last += (size - 1) * (view.stride[axis] ?? 0);
  });
  return { first: view.storageOffset, end: last + 1 };
}

/** True when the view is row-major over consecutive elements (size-1 axes may have any stride). */
export function isContiguous(view: ViewLayout): boolean {
  let expected = 1;
  for (let axis = view.shape.length - 1; axis >= 0; axis--) {
    const size = view.shape[axis] ?? 1;
    if (size !== 1 && view.stride[axis] !== expected) return false;
    expected *= size;
  }
  return true;
}

type Words = Uint8Array | Uint16Array | Uint32Array;

/** The word array of the natural width over bytes, and how many words make one element. */
function wordsOf(bytes: Uint8Array, elementSize: number): { words: Words; perElement: number } {
  const { buffer, byteOffset, byteLength } = bytes;
  if (elementSize === 1) return { words: bytes, perElement: 1 };
  if (elementSize === 2) return { words: new Uint16Array(buffer, byteOffset, byteLength / 2), perElement: 1 };
  return { words: new Uint32Array(buffer, byteOffset, byteLength / 4), perElement: elementSize / 4 };
}

/**
 * Copy the view's elements in row-major order from `source` (the storage bytes from the view's
 * first element on) into `target`, bit for bit. Both must be aligned to the element size.
 */
export function gatherView(view: ViewLayout, elementSize: number, source: Uint8Array, target: Uint8Array): void {
  const count = elementCount(view.shape);
  if (count === 0) return;
  const from = wordsOf(source, elementSize);
  const to = wordsOf(target, elementSize);
  const per = from.perElement;
  const rank = view.shape.length;
  if (rank === 0) {
    for (let w = 0; w < per; w++) to.words[w] = from.words[w] ?? 0;
    return;
  }
  const innerSize = view.shape[rank - 1] ?? 1;
  const innerStride = view.stride[rank - 1] ?? 0;
  const index = new Array<number>(rank - 1).fill(0);
  let base = 0; // storage element of the current row's first element, relative to the view's first
  const src = from.words;
  const dest = to.words;
  for (let out = 0; out < count; out += innerSize) {
    if (per === 1) {
      for (let i = 0, s = base; i < innerSize; i++, s += innerStride) dest[out + i] = src[s] ?? 0;
    } else {
      for (let i = 0; i < innerSize; i++) {
        const s = (base + i * innerStride) * per;
        const d = (out + i) * per;
        for (let w = 0; w < per; w++) dest[d + w] = src[s + w] ?? 0;
      }
    }
    // Advance the odometer over the outer axes.
    for (let axis = rank - 2; axis >= 0; axis--) {
      const stride = view.stride[axis] ?? 0;
      const current = (index[axis] ?? 0) + 1;
      if (current < (view.shape[axis] ?? 1)) {
        index[axis] = current;
        base += stride;
        break;
      }
      index[axis] = 0;
      base -= (current - 1) * stride;
    }
  }
}
