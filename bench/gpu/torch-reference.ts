/**
 * Runs bench/gpu/torch_step.py (the PyTorch reference of the same model, batch and step) where
 * PyTorch with CUDA is installed, and reads its JSON. Anything else (no python3, no torch, no CUDA,
 * a crash) comes back as a reason, and the bench goes on with the engine alone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchInput, BenchSize } from './sizes';

export interface TorchMode {
  msMedian?: number;
  msMin?: number;
  msAll?: number[];
  runs?: number;
  peakAllocatedBytes?: number;
  peakReservedBytes?: number;
  error?: string;
}

export interface TorchInputResult {
  input: BenchInput;
  params?: number;
  flops?: { forward: number; step: number };
  flopCounterFwdBwd?: number | null;
  modes?: Record<string, TorchMode>;
  error?: string;
  wallSeconds?: number;
}

export interface TorchResult {
  torch?: string;
  cuda?: string;
  device?: string;
  error?: string;
  sizes?: Array<{ key: string; inputs: TorchInputResult[] }>;
}

export type TorchOutcome = { ok: true; result: TorchResult } | { ok: false; reason: string };

/** torch_step.py beside this file (tsx), else under the working folder (a bundled copy of the bench). */
export function defaultTorchScript(): string {
  const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_step.py');
  return fs.existsSync(here) ? here : path.join(process.cwd(), 'bench', 'gpu', 'torch_step.py');
}

/** What torch_step.py reads: the models (full CtVlm configs), inputs and timing settings. */
export function torchSpec(sizes: BenchSize[]): object {
  return {
    sizes: sizes.map((size) => ({ key: size.key, model: size.model, inputs: size.inputs })),
    warmup: 3,
    runs: 20,
    maxSecondsPerMode: 20,
    lr: 1e-4,
    modes: ['fp32', 'default'],
  };
}

export function runTorchReference(
  sizes: BenchSize[],
  options: { python: string; script: string; timeoutSeconds: number },
): TorchOutcome {
  const probe = spawnSync(options.python, ['-c', 'import torch; print(torch.cuda.is_available())'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (probe.error) return { ok: false, reason: `${options.python} cannot run: ${probe.error.message}` };
  if (probe.status !== 0) return { ok: false, reason: 'PyTorch is not installed for ' + options.python };
  if (probe.stdout.trim() !== 'True') return { ok: false, reason: 'PyTorch sees no CUDA device' };
  const spec = torchSpec(sizes);
  const run = spawnSync(options.python, [options.script, '-'], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    timeout: options.timeoutSeconds * 1000,
    maxBuffer: 64 * 2 ** 20,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (run.error) return { ok: false, reason: `torch_step.py did not finish: ${run.error.message}` };
  if (run.status !== 0) return { ok: false, reason: `torch_step.py exited with ${String(run.status)}` };
  try {
    const result = JSON.parse(run.stdout) as TorchResult;
    if (result.error !== undefined) return { ok: false, reason: result.error };
    return { ok: true, result };
  } catch (error) {
    return { ok: false, reason: `torch_step.py printed no JSON: ${String(error).slice(0, 200)}` };
  }
}

/** A saved result (e.g. from a device run) instead of running Python here. */
export function readTorchReference(file: string): TorchOutcome {
  try {
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as TorchResult;
    return result.error !== undefined ? { ok: false, reason: result.error } : { ok: true, result };
  } catch (error) {
    return { ok: false, reason: `cannot read ${file}: ${String(error)}` };
  }
}

export function torchFor(outcome: TorchOutcome, key: string, inputKey: string): TorchInputResult | undefined {
  if (!outcome.ok) return undefined;
  const size = outcome.result.sizes?.find((s) => s.key === key);
  return size?.inputs.find(
    (r) => `${r.input.batch}x${r.input.volume.join('x')}x${r.input.tokens}` === inputKey && r.error === undefined,
  );
}
