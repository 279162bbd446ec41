/** The headline metrics an evaluation is compared on (the radar's axes), and how a row is named. */
import type { EvaluationRow, Headline } from '@shared/api/evaluation-schemas';

export type HeadlineMetric = Exclude<keyof Headline, 'averaging' | 'meanMatchedCosine'>;

/** Every one lies in [0, 1]; the mean cosine (in [-1, 1]) stays in the table. */
export const RADAR_METRICS: ReadonlyArray<{ key: HeadlineMetric; label: string }> = [
  { key: 'auroc', label: 'AUROC' },
  { key: 'f1', label: 'F1' },
  { key: 'precision', label: 'Precision' },
  { key: 'recall', label: 'Recall (sensitivity)' },
  { key: 'accuracy', label: 'Accuracy' },
  { key: 'recallAt1', label: 'R@1' },
];

/** At most this many evaluations are overlaid on the radar (the selected one included). */
export const MAX_OVERLAID = 4;

/** "base", "adapter liver-lora", "run peft-1". */
export function modelName(row: Pick<EvaluationRow, 'model'>): string {
  return row.model.kind === 'base' ? 'base' : `${row.model.kind} ${row.model.label}`;
}

/** "#3 adapter liver-lora (hcc, test)": a row as a legend names it. */
export function evaluationName(row: EvaluationRow): string {
  return `#${row.id} ${modelName(row)} (${row.task}, ${row.split})`;
}
