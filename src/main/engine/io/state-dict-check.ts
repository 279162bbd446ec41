/**
 * The strict key check between a checkpoint's state dict and the tensors an architecture
 * expects: missing, unexpected and shape-mismatched names, with known quirks handled by rule
 * (a stale `embeddings.position_ids` buffer is dropped; BatchNorm's `num_batches_tracked` is
 * optional either way), each stated in the report. It looks at names and shapes only, so it
 * runs before any weight is read or assigned: a checkpoint of another architecture is refused
 * whole, never half-loaded.
 */
import { UserError } from '../../../shared/errors';

export interface ExpectedTensor {
  name: string;
  shape: readonly number[];
}

/** What the check needs of a checkpoint: its names and shapes (TorchCheckpoint.tensors, SafetensorsFile.tensors). */
export type FoundTensors = ReadonlyMap<string, { readonly shape: readonly number[] }>;

export interface StateDictReport {
  /** True when nothing is missing, unexpected or mismatched (rules applied). */
  ok: boolean;
  expectedCount: number;
  foundCount: number;
  matched: number;
  /** Expected by the model, absent from the checkpoint. */
  missing: { name: string; shape: number[] }[];
  /** In the checkpoint, unknown to the model. */
  unexpected: { name: string; shape: number[] }[];
  mismatched: { name: string; expected: number[]; found: number[] }[];
  /** In the checkpoint, unknown to the model, dropped by a rule. */
  dropped: { name: string; shape: number[]; reason: string }[];
  /** Expected by the model, absent from the checkpoint, allowed by a rule. */
  optionalMissing: { name: string; shape: number[]; reason: string }[];
}

interface Rule {
  test: RegExp;
  reason: string;
}

/** Unexpected names dropped by rule. */
const DROP_RULES: readonly Rule[] = [
  {
    test: /(^|\.)embeddings\.position_ids$/,
    reason:
      'a stale buffer older transformers versions saved (CT-CLIP has text_transformer.embeddings.position_ids); ' +
      'the model builds it itself',
  },
  { test: /(^|\.)num_batches_tracked$/, reason: "BatchNorm's step counter, which this model does not keep" },
];

/** Expected names that may be absent. */
const OPTIONAL_RULES: readonly Rule[] = [
  { test: /(^|\.)num_batches_tracked$/, reason: "BatchNorm's step counter, optional (it starts at 0)" },
];

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((size, axis) => size === b[axis]);

export function checkStateDict(found: FoundTensors, expected: readonly ExpectedTensor[]): StateDictReport {
  const expectedNames = new Set(expected.map((tensor) => tensor.name));
  const report: StateDictReport = {
    ok: false,
    expectedCount: expected.length,
    foundCount: found.size,
    matched: 0,
    missing: [],
    unexpected: [],
    mismatched: [],
    dropped: [],
    optionalMissing: [],
  };
  for (const tensor of expected) {
    const got = found.get(tensor.name);
    if (got === undefined) {
      const rule = OPTIONAL_RULES.find((candidate) => candidate.test.test(tensor.name));
      if (rule) report.optionalMissing.push({ name: tensor.name, shape: [...tensor.shape], reason: rule.reason });
      else report.missing.push({ name: tensor.name, shape: [...tensor.shape] });
    } else if (!sameShape(got.shape, tensor.shape)) {
      report.mismatched.push({ name: tensor.name, expected: [...tensor.shape], found: [...got.shape] });
    } else {
      report.matched += 1;
    }
  }
  for (const [name, tensor] of found) {
    if (expectedNames.has(name)) continue;
    const rule = DROP_RULES.find((candidate) => candidate.test.test(name));
    if (rule) report.dropped.push({ name, shape: [...tensor.shape], reason: rule.reason });
    else report.unexpected.push({ name, shape: [...tensor.shape] });
  }
  report.ok = report.missing.length === 0 && report.unexpected.length === 0 && report.mismatched.length === 0;
  return report;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Counts per module (the first two dotted parts of each name), largest first. */
function byModule(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) {
    const module = name.split('.').slice(0, 2).join('.');
    counts.set(module, (counts.get(module) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, 6).map(([module, count]) => `${module} (${count})`);
  return sorted.length > 6 ? `${shown.join(', ')}, ${sorted.length - 6} more modules` : shown.join(', ');
}

function section(title: string, lines: readonly string[], names: readonly string[], limit: number): string[] {
  if (lines.length === 0) return [];
  const out = [`${title} (${lines.length}):`];
  if (names.length > limit) out.push(`  by module: ${byModule(names)}`);
  out.push(...lines.slice(0, limit).map((line) => `  ${line}`));
  if (lines.length > limit) out.push(`  ... and ${lines.length - limit} more`);
  return out;
}

/** The report as text a person reads: counts, then each group with its first `limit` names and shapes. */
export function formatStateDictReport(
  report: StateDictReport,
  options: { limit?: number; model?: string } = {},
): string {
  const limit = options.limit ?? 10;
  const against = options.model === undefined ? '' : ` against ${options.model}`;
  const lines = [
    `State dict check${against}: ${report.expectedCount} tensors expected, ${report.foundCount} in the checkpoint, ` +
      `${report.matched} match${report.ok ? '; OK' : ''}.`,
    ...section(
      "Missing (the model's, not in the checkpoint)",
      report.missing.map((t) => `${t.name} ${shapeText(t.shape)}`),
      report.missing.map((t) => t.name),
      limit,
    ),
    ...section(
      'Unexpected (in the checkpoint, not in the model)',
      report.unexpected.map((t) => `${t.name} ${shapeText(t.shape)}`),
      report.unexpected.map((t) => t.name),
      limit,
    ),
    ...section(
      'Shape mismatches',
      report.mismatched.map((t) => `${t.name}: checkpoint ${shapeText(t.found)}, model ${shapeText(t.expected)}`),
      report.mismatched.map((t) => t.name),
      limit,
    ),
    ...section(
      'Dropped by rule',
      report.dropped.map((t) => `${t.name} ${shapeText(t.shape)}: ${t.reason}`),
      report.dropped.map((t) => t.name),
      limit,
    ),
    ...section(
      'Absent but optional',
      report.optionalMissing.map((t) => `${t.name} ${shapeText(t.shape)}: ${t.reason}`),
      report.optionalMissing.map((t) => t.name),
      limit,
    ),
  ];
  return lines.join('\n');
}

/**
 * Check, and refuse the whole checkpoint (CHECKPOINT_INVALID, with the report as the message)
 * unless every expected tensor is there with its shape. Returns the report, whose dropped and
 * optional entries the caller should show.
 */
export function assertStateDictMatches(
  found: FoundTensors,
  expected: readonly ExpectedTensor[],
  options: { file: string; model: string; limit?: number },
): StateDictReport {
  const report = checkStateDict(found, expected);
  if (!report.ok) {
    throw new UserError(
      'CHECKPOINT_INVALID',
      `${options.file} does not fit ${options.model}; nothing was loaded.\n${formatStateDictReport(report, options)}`,
    );
  }
  return report;
}
