/**
 * Find the state dict in what a checkpoint's pickle built: the top-level dict of tensors, or one
 * wrapped as {'state_dict': ...}, {'model_state_dict': ...} or {'model': ...} (saying which key
 * was used). Non-tensor entries are skipped and listed.
 */
import { invalidCheckpoint } from './checkpoint-errors';
import { describePyValue, PyDict, TensorRef, type PyValue } from './pickle-values';

/** Keys a training script commonly wraps a state dict in, in the order they are tried. */
export const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model'] as const;
/** How many wrappers deep to look ({'model': {'state_dict': ...}}). */
const MAX_WRAPPER_DEPTH = 3;
/** How many skipped names a note lists. */
const NOTE_LIMIT = 8;

export interface StateDictSelection {
  /** In the pickle's order. */
  tensors: Map<string, TensorRef>;
  /** The wrapper keys followed from the top level, e.g. ['state_dict']; empty for a bare state dict. */
  wrapperPath: string[];
  /** What was unwrapped or skipped, for a person to read. */
  notes: string[];
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, NOTE_LIMIT).join(', ');
  return names.length > NOTE_LIMIT ? `${shown} and ${names.length - NOTE_LIMIT} more` : shown;
}

function hasTensor(dict: PyDict): boolean {
  for (const value of dict.entries.values()) if (value instanceof TensorRef) return true;
  return false;
}

export function selectStateDict(root: PyValue, file: string): StateDictSelection {
  if (!(root instanceof PyDict)) {
    const what = root instanceof TensorRef ? 'a single tensor' : `a ${describePyValue(root)}`;
    throw invalidCheckpoint(file, `it holds ${what}, not a state dict (a dict of named tensors)`);
  }
  const notes: string[] = [];
  const wrapperPath: string[] = [];
  let dict = root;
  while (!hasTensor(dict) && wrapperPath.length < MAX_WRAPPER_DEPTH) {
    const key = WRAPPER_KEYS.find((candidate) => dict.entries.get(candidate) instanceof PyDict);
    if (key === undefined) break;
    const others = [...dict.entries.keys()].filter((other) => other !== key).map(String);
    wrapperPath.push(key);
    notes.push(
      `Used the checkpoint's '${wrapperPath.join("' > '")}' entry as the state dict` +
        (others.length > 0 ? `; ignored its other entries: ${listed(others)}.` : '.'),
    );
    dict = dict.entries.get(key) as PyDict;
  }
  if (!hasTensor(dict)) {
    const keys = [...dict.entries.keys()].map(String);
    throw invalidCheckpoint(
      file,
      `it holds no tensors where a state dict belongs (keys: ${keys.length > 0 ? listed(keys) : 'none'}; ` +
        `a wrapped state dict is looked for under ${WRAPPER_KEYS.join(', ')})`,
    );
  }
  const tensors = new Map<string, TensorRef>();
  const skipped: string[] = [];
  for (const [key, value] of dict.entries) {
    if (typeof key !== 'string') {
      throw invalidCheckpoint(file, `its state dict has a ${describePyValue(key)} key (${String(key)}), not a name`);
    }
    if (value instanceof TensorRef) tensors.set(key, value);
    else skipped.push(`${key} (${describePyValue(value)})`);
  }
  if (skipped.length > 0) notes.push(`Skipped ${skipped.length} entries that are not tensors: ${listed(skipped)}.`);
  return { tensors, wrapperPath, notes };
}
