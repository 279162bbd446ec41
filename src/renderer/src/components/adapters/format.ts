/** Formatting of the adapters components: parameter counts, file sizes, size ratios, dates. */
import type { AdapterRow } from '@shared/api/adapter-schemas';
import type { EvaluationRow } from '@shared/api/evaluation-schemas';

/** A whole count with thousands separators: "16,321". */
export function formatParams(value: number): string {
  return value.toLocaleString('en-US');
}

/** A file size in bytes, KiB or MiB with one decimal: "812 B", "63.8 KiB", "4.2 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/** A ratio as a percentage with two significant digits at least: "0.92%", "12%". */
export function formatPercent(ratio: number): string {
  const percent = 100 * ratio;
  if (percent === 0) return '0%';
  return `${percent >= 10 ? percent.toFixed(0) : percent.toPrecision(2)}%`;
}

/** An ISO date as the person's local date and time, without seconds. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The latest evaluation of an adapter. Evaluations name the adapter they evaluated only by its name,
 * so one made before the adapter was registered (a deleted namesake's) is not counted.
 */
export function latestEvaluationOf(adapter: AdapterRow, evaluations: readonly EvaluationRow[]): EvaluationRow | null {
  let latest: EvaluationRow | null = null;
  for (const evaluation of evaluations) {
    if (evaluation.model.kind !== 'adapter' || evaluation.model.label !== adapter.name) continue;
    if (evaluation.createdAt < adapter.createdAt) continue;
    if (
      !latest ||
      evaluation.createdAt > latest.createdAt ||
      (evaluation.createdAt === latest.createdAt && evaluation.id > latest.id)
    ) {
      latest = evaluation;
    }
  }
  return latest;
}

/** Join a folder inside the project folder with the project's own separator. */
export function joinProjectPath(projectDir: string, relative: string): string {
  const separator = projectDir.includes('\\') && !projectDir.includes('/') ? '\\' : '/';
  const parts = relative.split(/[\\/]/).filter((part) => part.length > 0);
  return [projectDir.replace(/[\\/]+$/, ''), ...parts].join(separator);
}
