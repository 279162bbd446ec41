/**
 * Frees what tfjs's gradient tape holds after a gradient computation failed.
 *
 * tfjs-core 4.22 keeps a clone of every tensor a kernel saves for its backward pass on the active
 * tape, and disposes them only at the end of a successful `gradients()` call. When the forward or
 * the backward throws (a GPU limit, out of memory, a cancelled read), the tape and every saved
 * activation stay alive: on the H100 a failed mid-size step left 2.9 GB behind, and the next
 * attempt ran out of memory. This drops them, and the forward's result when the backward failed,
 * for the outermost gradient computation only.
 */
import { tf } from '../tf';

/** Disposes the saved tensors of the tape left by a failed outermost gradient computation. */
export function releaseFailedTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0) return; // inside an outer gradient computation: its own to free
  const tape = state.activeTape as typeof state.activeTape | null;
  if (!tape) return;
  for (const node of tape) {
    for (const tensor of node.saved ?? []) tensor.dispose();
    // What escaped the forward's tidy: its result, when the backward failed (kept tensors are not ours).
    for (const tensor of node.outputs) if (!tensor.isDisposed && !tensor.kept) tensor.dispose();
  }
  state.activeTape = null as unknown as typeof state.activeTape;
}

/** Runs a gradient computation; if it throws, frees its tape before rethrowing. */
export function releasingTapeOnFailure<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    releaseFailedTape();
    throw error;
  }
}
