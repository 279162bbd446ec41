/**
 * The doctor report, built the same way for `ctvlm doctor` and the `system.doctor` job: this
 * machine, every compute backend loaded and self-tested (or only the one asked for), the chosen
 * one, and advice. The backends are released afterwards, so a GPU device does not outlive it.
 */
import os from 'node:os';
import type { ComputeBackendName, DoctorReport } from '../../../shared/api/doctor-schemas';
import { backendAdvice } from './backend-advice';
import { releaseBackends, selectBackend, type BackendName, type BackendReport } from './select-backend';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The shared list of backend names is the selection's own (a compile error otherwise). */
export const BACKEND_NAMES_ARE_SHARED: Same<BackendName, ComputeBackendName> = true;

export interface DoctorOptions {
  /** Require this backend: fails with a UserError saying why when it cannot be used. */
  backend?: string | undefined;
}

export async function buildDoctorReport(options: DoctorOptions = {}): Promise<DoctorReport> {
  let backends: BackendReport;
  try {
    backends = await selectBackend({ force: options.backend, probeAll: options.backend === undefined });
  } finally {
    await releaseBackends();
  }
  const cpus = os.cpus();
  return {
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
    cpus: { count: cpus.length, model: cpus[0]?.model ?? 'unknown' },
    memoryGiB: { total: gib(os.totalmem()), free: gib(os.freemem()) },
    backends: {
      chosen: backends.chosen,
      forced: backends.forced,
      tolerance: { ...backends.tolerance },
      candidates: backends.candidates.map((candidate) => ({
        name: candidate.name,
        tried: candidate.tried,
        available: candidate.available,
        selfTest: candidate.selfTest && {
          passed: candidate.selfTest.passed,
          maxAbsError: Number.isFinite(candidate.selfTest.maxAbsError) ? candidate.selfTest.maxAbsError : null,
          ms: candidate.selfTest.ms,
        },
        reason: candidate.reason,
        ...(candidate.device ? { device: candidate.device } : {}),
      })),
    },
    advice: backendAdvice(backends),
  };
}

const gib = (bytes: number): number => Math.round((bytes / 2 ** 30) * 10) / 10;
