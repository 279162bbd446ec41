/**
 * Chooses the compute backend at start, best first: tensorflow (native), webgpu (Dawn), wasm, cpu.
 * Each candidate is loaded and confirmed by the self-test against the CPU backend; one that fails
 * to load or to pass is skipped with the reason. `force` asks for one and fails loudly if it
 * cannot be used. The report says what was tried, what ran and why.
 */
import { UserError } from '../../../shared/errors';
import { tf } from '../tf';
import { messageOf, type BackendCandidate, type BackendDevice, type LoadedBackend } from './backend-candidate';
import { cpuCandidate } from './cpu-candidate';
import {
  DEFAULT_TOLERANCE,
  SELF_TEST_SHAPES,
  cpuReference,
  makeInputs,
  runSelfTest,
  type SelfTestResult,
  type Tolerance,
} from './self-test';
import { tensorflowCandidate } from './tensorflow-candidate';
import { wasmCandidate } from './wasm-candidate';
import { webgpuCandidate } from './webgpu-candidate';

export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface CandidateReport {
  name: string;
  /** whether it was loaded at all (false when not tried) */
  tried: boolean;
  available: boolean;
  selfTest: SelfTestResult | null;
  /** why it was chosen, skipped or not tried, in words */
  reason: string;
  device?: BackendDevice;
}

export interface BackendReport {
  chosen: string;
  forced: boolean;
  tolerance: Tolerance;
  candidates: CandidateReport[];
}

export interface SelectOptions {
  /** use this backend or fail with a UserError saying why */
  force?: string | undefined;
  /** load and self-test every candidate (for `ctvlm doctor`), not just until one passes */
  probeAll?: boolean;
  /** test seam: the candidates, best first; the real ones by default */
  candidates?: readonly BackendCandidate[];
  tolerance?: Tolerance;
}

export function defaultCandidates(): BackendCandidate[] {
  return [tensorflowCandidate(), webgpuCandidate(), wasmCandidate(), cpuCandidate()];
}

/** The backend selection made current, so it can be released (GPU device destroyed) at the end. */
let active: { name: string; loaded: LoadedBackend } | null = null;

export async function selectBackend(options: SelectOptions = {}): Promise<BackendReport> {
  const candidates = options.candidates ?? defaultCandidates();
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const names = candidates.map((candidate) => candidate.name);
  const force = options.force;
  if (force !== undefined && !names.includes(force)) {
    throw new UserError('INVALID_INPUT', `There is no backend "${force}": choose one of ${names.join(', ')}.`);
  }
  await releaseBackends();

  const inputs = makeInputs(SELF_TEST_SHAPES);
  const reference = await cpuReference(inputs);
  const reports: CandidateReport[] = [];
  let chosen: { name: string; loaded: LoadedBackend } | null = null;

  for (const candidate of candidates) {
    if (force !== undefined && candidate.name !== force) {
      reports.push(notTried(candidate.name, `not tried: --backend ${force} was asked for`));
      continue;
    }
    if (chosen && !options.probeAll) {
      reports.push(notTried(candidate.name, `not tried: ${chosen.name} was chosen first`));
      continue;
    }
    const { report, loaded } = await probe(candidate, inputs, reference, tolerance);
    reports.push(report);
    if (loaded === null) continue;
    // A backend that works but is not preferred (software WebGPU: measured slower than the JS cpu
    // backend for conv3d, see bench/backends.bench.ts) is only used when forced.
    if (!chosen && (force !== undefined || loaded.notPreferred === undefined)) {
      chosen = { name: candidate.name, loaded };
      report.reason =
        force !== undefined
          ? 'chosen: asked for with --backend, self-test passed'
          : 'chosen: the best one that passed its self-test';
      continue;
    }
    report.reason = chosen ? `works, but ${chosen.name} comes first` : (loaded.notPreferred ?? 'works');
    await loaded.dispose();
  }

  if (!chosen) {
    await tf.setBackend('cpu'); // a failed probe may have left its backend current
    const why = reports.map((r) => `${r.name}: ${r.reason}`).join('; ');
    if (force !== undefined) {
      throw new UserError(
        'INVALID_INPUT',
        `The ${force} backend cannot be used: ${reports.find((r) => r.name === force)?.reason ?? why}`,
      );
    }
    throw new UserError('INVALID_INPUT', `No compute backend passed its self-test (${why}).`);
  }
  if (!(await tf.setBackend(chosen.name))) {
    await chosen.loaded.dispose();
    throw new UserError(
      'INVALID_INPUT',
      `The ${chosen.name} backend passed its self-test but could not be made current.`,
    );
  }
  active = chosen;
  return { chosen: chosen.name, forced: force !== undefined, tolerance, candidates: reports };
}

/** Frees the chosen backend (destroys a GPU device) and goes back to cpu, so the process can exit. */
export async function releaseBackends(): Promise<void> {
  const current = active;
  active = null;
  if (current) await current.loaded.dispose();
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
}

async function probe(
  candidate: BackendCandidate,
  inputs: ReturnType<typeof makeInputs>,
  reference: Awaited<ReturnType<typeof cpuReference>>,
  tolerance: Tolerance,
): Promise<{ report: CandidateReport; loaded: LoadedBackend | null }> {
  let loaded: LoadedBackend;
  try {
    loaded = await candidate.load();
  } catch (error) {
    return { report: { ...notTried(candidate.name, `unavailable: ${messageOf(error)}`), tried: true }, loaded: null };
  }
  const base = {
    name: candidate.name,
    tried: true,
    available: true,
    ...(loaded.device ? { device: loaded.device } : {}),
  };
  try {
    const { comparison, ...selfTest } = await runSelfTest(candidate.name, inputs, reference, tolerance);
    if (selfTest.passed) return { report: { ...base, selfTest, reason: 'self-test passed' }, loaded };
    const worst = comparison.worst;
    const where = worst ? ` (${worst.output}[${worst.index}]: ${worst.actual} instead of ${worst.expected})` : '';
    await loaded.dispose();
    return {
      report: {
        ...base,
        selfTest,
        reason: `rejected: its results differ from the cpu backend's by up to ${selfTest.maxAbsError.toExponential(2)}, more than atol ${tolerance.atol} + rtol ${tolerance.rtol}${where}`,
      },
      loaded: null,
    };
  } catch (error) {
    await loaded.dispose();
    return {
      report: { ...base, selfTest: null, reason: `rejected: the self-test failed to run: ${messageOf(error)}` },
      loaded: null,
    };
  }
}

function notTried(name: string, reason: string): CandidateReport {
  return { name, tried: false, available: false, selfTest: null, reason };
}
