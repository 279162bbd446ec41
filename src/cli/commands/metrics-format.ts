/** Human-readable tables of evaluation metrics: value [lower, upper] for every number with a CI. */
import type { EvaluationRow, MetricsDocument } from '../../shared/api/evaluation-schemas';

interface Interval {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

export function formatInterval(interval: Interval, digits = 3): string {
  if (interval.estimate === null) return 'undefined';
  const bounds =
    interval.lower === null || interval.upper === null
      ? ''
      : ` [${interval.lower.toFixed(digits)}, ${interval.upper.toFixed(digits)}]`;
  return `${interval.estimate.toFixed(digits)}${bounds}`;
}

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, c) => Math.max(cell.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatMetrics(metrics: MetricsDocument, outputDir: string): string {
  const { classification, retrieval, headline } = metrics;
  const level = Math.round((classification.bootstrap.level ?? 0.95) * 100);
  const lines = [
    `Evaluation ${metrics.evaluationId ?? ''} of ${metrics.model.label} (${metrics.model.modelId}) on task ${metrics.task.name}, split ${metrics.split}: ${metrics.studies} studies, ${level}% bootstrap CIs from ${classification.bootstrap.resamples} resamples (seed ${classification.bootstrap.seed}).`,
    ...(metrics.supervision ? [`SUPERVISED BASELINE (uses labels): ${metrics.supervision.note}`] : []),
    '',
    ...table(
      ['class', 'pos/neg', 'AUROC', 'F1', 'precision', 'recall', 'specificity', 'accuracy'],
      classification.perClass.map((item) => [
        item.name,
        `${item.support}/${item.negatives}`,
        formatInterval(item.auroc),
        formatInterval(item.f1),
        formatInterval(item.precision),
        formatInterval(item.recall),
        formatInterval(item.specificity),
        formatInterval(item.accuracy),
      ]),
    ),
    '',
    `Overall (${headline.averaging}): AUROC ${formatInterval(headline.auroc)}, F1 ${formatInterval(headline.f1)}, precision ${formatInterval(headline.precision)}, recall ${formatInterval(headline.recall)}, accuracy ${formatInterval(headline.accuracy)}`,
  ];
  if (classification.overall.kind === 'multilabel') {
    const { f1 } = classification.overall;
    lines.push(
      `F1 micro ${formatInterval(f1.micro)}, macro ${formatInterval(f1.macro)}, weighted ${formatInterval(f1.weighted)}, samples ${formatInterval(f1.samples)}; subset accuracy ${formatInterval(classification.overall.subsetAccuracy)}`,
    );
  }
  if (retrieval) {
    const describe = (name: string, set: NonNullable<MetricsDocument['retrieval']>['whole']): string =>
      `${name} (${set.candidates} candidates${set.pools > 1 ? `, ${set.pools} pools` : ''}): image→report R@1 ${formatInterval(set.imageToReport.recallAt1)}, R@5 ${formatInterval(set.imageToReport.recallAt5)}, R@10 ${formatInterval(set.imageToReport.recallAt10)}, MRR ${formatInterval(set.imageToReport.mrr)}; report→image R@1 ${formatInterval(set.reportToImage.recallAt1)}, MRR ${formatInterval(set.reportToImage.mrr)}`;
    lines.push(describe('Retrieval, whole set', retrieval.whole));
    if (retrieval.pooled) lines.push(describe('Retrieval, pooled', retrieval.pooled));
    lines.push(`Mean matched-pair cosine: ${formatInterval(retrieval.meanMatchedCosine)}`);
  }
  lines.push('', `Wrote ${outputDir}/metrics.json and predictions.csv (${metrics.timing.seconds.toFixed(1)} s).`);
  return lines.join('\n');
}

export function formatComparison(rows: readonly EvaluationRow[]): string {
  if (rows.length === 0) return 'No evaluations yet: run `ctvlm eval PROJECT --task TASK`.';
  return table(
    ['id', 'model', 'task', 'split', 'n', 'F1', 'recall', 'precision', 'accuracy', 'AUROC', 'mean cos', 'R@1'],
    rows.map((row) => [
      String(row.id),
      `${row.model.kind === 'base' ? 'base' : `${row.model.kind}:${row.model.label}`}`,
      row.task,
      row.split,
      String(row.studies),
      formatInterval(row.headline.f1),
      formatInterval(row.headline.recall),
      formatInterval(row.headline.precision),
      formatInterval(row.headline.accuracy),
      formatInterval(row.headline.auroc),
      formatInterval(row.headline.meanMatchedCosine),
      formatInterval(row.headline.recallAt1),
    ]),
  ).join('\n');
}
