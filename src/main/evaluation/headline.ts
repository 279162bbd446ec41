/**
 * The comparison table's numbers (HCC-Merlin's Table 4: F1, recall, precision, accuracy, AUC, mean
 * matched cosine, plus Recall@1): a binary task's own metrics; for a multi-label task the macro
 * averages, and the mean over classes of per-class accuracy (CT-CLIP's), bootstrapped alike.
 */
import type { Headline, RetrievalReport } from '../../shared/api/evaluation-schemas';
import {
  bootstrapConfidenceIntervals,
  type BootstrapSettings,
  type ConfidenceInterval,
} from '../engine/eval/metrics/bootstrap';
import type { ClassificationReport } from '../../shared/api/metrics-schemas';

export function headlineOf(
  report: ClassificationReport,
  classes: ReadonlyArray<{ labels: readonly (0 | 1 | null)[] }>,
  /** Per class, the predictions at the report's thresholds. */
  predictions: readonly Uint8Array[],
  retrieval: RetrievalReport | null,
  bootstrap: BootstrapSettings,
): Headline {
  const missing: ConfidenceInterval = {
    estimate: null,
    lower: null,
    upper: null,
    validResamples: 0,
    resamples: bootstrap.resamples,
    level: bootstrap.level,
  };
  const fromRetrieval = {
    meanMatchedCosine: retrieval?.meanMatchedCosine ?? missing,
    recallAt1: retrieval?.whole.imageToReport.recallAt1 ?? missing,
  };
  if (report.overall.kind === 'binary') {
    const { auroc, f1, precision, recall, accuracy } = report.overall.binary;
    return { auroc, f1, precision, recall, accuracy, ...fromRetrieval, averaging: 'binary' };
  }
  const { overall } = report;
  /** Mean over classes of the accuracy among the resampled studies labelled for that class. */
  const meanAccuracy = (indices: Int32Array): number | null => {
    let total = 0;
    let defined = 0;
    classes.forEach((item, c) => {
      const preds = predictions[c];
      let correct = 0;
      let labelled = 0;
      for (const i of indices) {
        const label = item.labels[i];
        if (label === null || label === undefined) continue;
        labelled += 1;
        if ((preds?.[i] ?? 0) === label) correct += 1;
      }
      if (labelled > 0) {
        total += correct / labelled;
        defined += 1;
      }
    });
    return defined > 0 ? total / defined : null;
  };
  return {
    auroc: overall.auroc.macro,
    f1: overall.f1.macro,
    precision: overall.precision.macro,
    recall: overall.recall.macro,
    accuracy: bootstrapConfidenceIntervals(report.n, { accuracy: meanAccuracy }, bootstrap).accuracy,
    ...fromRetrieval,
    averaging: 'macro',
  };
}
