/** A sweep's comparison table: each run with its size, peak memory and test evaluation. */
import type Database from 'better-sqlite3';
import type { SweepRow } from '../../shared/api/run-schemas';
import { getEvaluationRow } from '../store/repositories/evaluation-repository';
import { listRuns } from '../store/repositories/run-repository';

export function sweepTable(db: Database.Database, sweepId: number): SweepRow[] {
  return listRuns(db, sweepId).map((run) => {
    const evaluationId = run.testEvaluationId;
    return {
      runId: run.id,
      name: run.name,
      method: run.method,
      temperatureInit: run.config.temperature.init,
      status: run.status,
      trainableParameters: run.trainableParameters,
      peakTensorBytes: run.peakTensorBytes,
      evaluation: evaluationId === null ? null : getEvaluationRow(db, evaluationId),
    };
  });
}
