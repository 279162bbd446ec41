/**
 * Cosine similarity matrices between two sets of embeddings, and their rows and columns grouped by
 * a label (a finding, a site, a split) for a heat-map with visible blocks.
 */
import { BugError } from '../../../../shared/errors';
import { assertRows, normalizedRows, rowDot } from './embedding-rows';

/** A label a row can carry; null (and NaN) means "no label". */
export type RowLabel = string | number | null;

/** The group name shown for rows without a label. */
export const MISSING_LABEL = '(no label)';

export interface LabelGroup {
  /** String(label), or MISSING_LABEL for the rows without one. */
  label: string;
  /** First position of the group in the ordered rows. */
  start: number;
  /** One past its last position. */
  end: number;
}

export interface OrderedSimilarity {
  /** order[position] = original row shown at that position (rows and columns alike). */
  order: number[];
  groups: LabelGroup[];
  /** n × n row-major: values[r·n + c] = cos(a[order[r]], b[order[c]]). */
  values: Float32Array;
}

/** na × nb row-major: entry (i, j) = cos(a_i, b_j), on defensively L2-normalised rows. */
export function cosineSimilarityMatrix(
  a: Float32Array,
  na: number,
  b: Float32Array,
  nb: number,
  dim: number,
): Float32Array {
  assertRows(a, na, dim, 'cosineSimilarityMatrix a');
  assertRows(b, nb, dim, 'cosineSimilarityMatrix b');
  const left = normalizedRows(a, na, dim);
  const right = normalizedRows(b, nb, dim);
  const out = new Float32Array(na * nb);
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) out[i * nb + j] = rowDot(left, i, right, j, dim);
  return out;
}

/**
 * A stable permutation that groups rows by label: numbers first (ascending), then strings (by code
 * unit, so the order does not depend on the locale), then rows without a label (null or NaN) last.
 * Within a group the rows keep their original order. Labels are compared by type and value, so 1
 * and '1' are two groups.
 */
export function orderByLabel(labels: readonly RowLabel[]): number[] {
  const order = labels.map((_, index) => index);
  // Array.prototype.sort is stable (ES2019), so equal labels keep their original order.
  return order.sort((x, y) => compareLabels(labels[x] ?? null, labels[y] ?? null));
}

/**
 * The cosine similarity matrix of paired embeddings (row i of `a` and of `b` are the same study,
 * e.g. image and report), rows and columns reordered by `orderByLabel(labels)`, with the group
 * boundaries for drawing.
 */
export function orderedSimilarity(
  a: Float32Array,
  b: Float32Array,
  n: number,
  dim: number,
  labels: readonly RowLabel[],
): OrderedSimilarity {
  if (labels.length !== n) throw new BugError(`orderedSimilarity: ${labels.length} labels for ${n} rows.`);
  const matrix = cosineSimilarityMatrix(a, n, b, n, dim);
  const order = orderByLabel(labels);
  const values = new Float32Array(n * n);
  order.forEach((row, r) => {
    order.forEach((column, c) => {
      values[r * n + c] = matrix[row * n + column] ?? Number.NaN;
    });
  });
  const groups: LabelGroup[] = [];
  order.forEach((row, position) => {
    const label = labels[row] ?? null;
    const current = groups.at(-1);
    const previousRow = order[position - 1];
    if (current && previousRow !== undefined && compareLabels(labels[previousRow] ?? null, label) === 0) {
      current.end = position + 1;
    } else {
      groups.push({ label: isMissing(label) ? MISSING_LABEL : String(label), start: position, end: position + 1 });
    }
  });
  return { order, groups, values };
}

function isMissing(label: RowLabel): boolean {
  return label === null || (typeof label === 'number' && Number.isNaN(label));
}

/** Sort key: 0 numbers, 1 strings, 2 missing; then by value within a kind. */
function compareLabels(x: RowLabel, y: RowLabel): number {
  const kind = (label: RowLabel): number => (isMissing(label) ? 2 : typeof label === 'number' ? 0 : 1);
  const byKind = kind(x) - kind(y);
  if (byKind !== 0 || isMissing(x) || isMissing(y)) return byKind;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  // Both strings here; < compares them by UTF-16 code unit.
  const [sx, sy] = [String(x), String(y)];
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}
