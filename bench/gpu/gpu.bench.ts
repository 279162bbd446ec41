/**
 * Issue 10's GPU bench: the same contrastive training step (CtVlm, symmetric InfoNCE, Adam, fp32)
 * with our engine on each backend that can be forced here and with a PyTorch reference of the
 * identical architecture and batch (bench/gpu/torch_step.py, where PyTorch with CUDA is installed),
 * for tiny, mid and Merlin-size inputs (bench/gpu/sizes.ts). Prints ms/step (median after warm-up),
 * the ratio to PyTorch, achieved TFLOP/s (analytic FLOPs, bench/gpu/flops.ts: forward x 3), peak
 * memory, and on webgpu the Dawn calls per step (dispatches, submits, buffer creations, read-backs).
 * Keeps everything in bench/results/gpu-<device>.json (written after every case, so a run cut short
 * keeps what it measured).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from '../bench-utils';
import { messageOf } from '../../src/main/engine/backends/backend-candidate';
import { BACKEND_NAMES, releaseBackends, selectBackend } from '../../src/main/engine/backends/select-backend';
import { installDawnCounters } from './dawn-counters';
import { timeEngineStep, type EngineTiming } from './engine-step';
import { stepFlops, type StepFlops } from './flops';
import { SIZES, describeInput, inputKey, type BenchInput, type BenchSize } from './sizes';
import {
  defaultTorchScript,
  readTorchReference,
  runTorchReference,
  torchFor,
  type TorchInputResult,
  type TorchOutcome,
} from './torch-reference';

export interface GpuBenchOptions {
  /** backends to try, in order (default: every one selectBackend knows) */
  backends?: string[];
  /** size keys (default: tiny, mid, merlin) */
  sizes?: string[];
  /** where gpu-<device>.json goes (default bench/results) */
  outDir?: string;
  python?: string;
  torchScript?: string;
  /** read the PyTorch figures from this file instead of running Python */
  torchJson?: string;
  noTorch?: boolean;
  /** stop starting engine cases after this many seconds from the start */
  deadlineSeconds?: number;
  /** seconds PyTorch may take for all sizes (default 300) */
  torchTimeoutSeconds?: number;
  /** skip a case whose step, extrapolated from the last one on the same backend by FLOPs, would take longer */
  maxStepSeconds?: number;
  /** run the engine's steps with gradient checkpointing (less memory, one more forward per block) */
  gradientCheckpointing?: boolean;
  /** run the engine's steps with mixed precision (f16 conv kernels where the GPU has shader-f16, loss scaling) */
  mixedPrecision?: boolean;
}

interface EngineCase {
  backend: string;
  device?: string;
  input?: BenchInput;
  /** inputs tried before the one used, and why they failed or were skipped */
  notRun: Array<{ input: string; reason: string }>;
  timing?: EngineTiming;
  tflops?: number;
  ratioToTorchFp32?: number;
  ratioToTorchDefault?: number;
  /** params of the engine model equal PyTorch's (null: no PyTorch figure) */
  paramsMatchTorch?: boolean | null;
}

interface CaseRecord {
  key: string;
  label: string;
  modelName: string;
  inputs: Array<{ input: BenchInput; flops: StepFlops; torch?: TorchInputResult }>;
  engines: EngineCase[];
}

interface DeviceInfo {
  name: string;
  source: string;
  driver?: string;
  memoryMiB?: number;
}

const MIB = 2 ** 20;
const here = path.dirname(fileURLToPath(import.meta.url));

function nvidiaSmi(): DeviceInfo | null {
  const run = spawnSync(
    'nvidia-smi',
    ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits'],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  if (run.error || run.status !== 0) return null;
  const [name, driver, memory] = (run.stdout.split('\n')[0] ?? '').split(',').map((s) => s.trim());
  if (!name) return null;
  return { name, source: 'nvidia-smi', ...(driver ? { driver } : {}), memoryMiB: Number(memory) };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'unknown'
  );
}

const fmt = (value: number | undefined, digits = 1): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

export async function runGpuBench(options: GpuBenchOptions = {}): Promise<Measurement[]> {
  const started = Date.now();
  const backends = options.backends ?? [...BACKEND_NAMES];
  const sizes = SIZES.filter((s) => options.sizes === undefined || options.sizes.includes(s.key));
  const outDir = options.outDir ?? path.join(here, '..', 'results');
  const maxStepMs = (options.maxStepSeconds ?? 60) * 1000;
  const deadline = started + (options.deadlineSeconds ?? Infinity) * 1000;

  const smi = nvidiaSmi();
  console.log(
    `GPU bench: ${smi ? `${smi.name} (driver ${smi.driver ?? '?'}, ${smi.memoryMiB} MiB)` : 'no nvidia-smi'}`,
  );

  // PyTorch first, while the GPU is free (Dawn keeps its memory until the device is destroyed).
  let torch: TorchOutcome;
  if (options.noTorch) torch = { ok: false, reason: 'not asked for (--no-torch)' };
  else if (options.torchJson) torch = readTorchReference(options.torchJson);
  else {
    console.log('PyTorch reference: running torch_step.py ...');
    torch = runTorchReference(sizes, {
      python: options.python ?? 'python3',
      script: options.torchScript ?? defaultTorchScript(),
      timeoutSeconds: options.torchTimeoutSeconds ?? 300,
    });
  }
  console.log(
    torch.ok
      ? `PyTorch ${torch.result.torch ?? '?'} (CUDA ${torch.result.cuda ?? '?'}) on ${torch.result.device ?? '?'}`
      : `PyTorch reference skipped: ${torch.reason}`,
  );

  const cases: CaseRecord[] = sizes.map((size) => ({
    key: size.key,
    label: size.label,
    modelName: size.model.name,
    inputs: size.inputs.map((input) => {
      const reference = torchFor(torch, size.key, inputKey(input));
      return { input, flops: stepFlops(size.model, input), ...(reference ? { torch: reference } : {}) };
    }),
    engines: [],
  }));

  let dawnWrapped: string[] = [];
  let webgpuAdapter: string | undefined;
  const adapters: Record<string, unknown> = {};
  const record = (): object => ({
    bench: 'gpu',
    device: smi ?? {
      name: (torch.ok ? torch.result.device : undefined) ?? webgpuAdapter ?? `${os.hostname()}-no-gpu`,
      source: torch.ok ? 'PyTorch' : webgpuAdapter ? 'webgpu adapter' : 'none',
    },
    machine: {
      hostname: os.hostname(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    node: process.versions.node,
    takenAt: new Date().toISOString(),
    gradientCheckpointing: options.gradientCheckpointing ?? false,
    mixedPrecision: options.mixedPrecision ?? false,
    step: "the trainer's step: accumulatedGradients (symmetric InfoNCE, divide temperature; one read-back of loss and gradient norm) + AdamW without decay (= Adam, lr 1e-4, eps 1e-8), fp32; PyTorch: the same model, torch.optim.Adam(lr=1e-4)",
    flops:
      'analytic, conv3d and matmul multiply-adds x2; fwd+bwd = 3 x forward (bench/gpu/flops.ts); flopCounterFwdBwd: torch.utils.flop_counter over one real forward+backward',
    memory:
      'engine peakTensorBytes: largest sum of live tfjs tensor bytes during the timed steps, less baselineTensorBytes (alive before the case: tensors leaked by an earlier failed case); dawnPeakBufferBytes: live Dawn buffers, tfjs pool and leaks included; PyTorch: torch.cuda.max_memory_allocated',
    torch: torch.ok
      ? { torch: torch.result.torch, cuda: torch.result.cuda, device: torch.result.device }
      : { skipped: torch.reason },
    adapters,
    dawnMethodsWrapped: dawnWrapped,
    cases,
  });
  const save = (): string => {
    const name =
      smi?.name ?? (torch.ok ? torch.result.device : undefined) ?? webgpuAdapter ?? `${os.hostname()}-no-gpu`;
    const target = path.join(outDir, `gpu-${slug(name)}.json`);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(target, `${JSON.stringify(record(), null, 2)}\n`);
    return target;
  };

  try {
    for (const backend of backends) {
      if (Date.now() > deadline) {
        console.log(`  ${backend}: skipped, past the deadline`);
        continue;
      }
      if (backend === 'webgpu' && dawnWrapped.length === 0) {
        try {
          const { globals } = await import('webgpu');
          dawnWrapped = installDawnCounters(globals);
        } catch (error) {
          console.log(`  webgpu: cannot count Dawn calls: ${messageOf(error)}`);
        }
      }
      let device: string | undefined;
      let hardwareGpu = false;
      try {
        const report = await selectBackend({ force: backend });
        const described = report.candidates.find((c) => c.name === backend)?.device;
        device = described?.description;
        if (described) adapters[backend] = described;
        hardwareGpu = backend !== 'cpu' && backend !== 'wasm' && described?.details['software'] !== true;
        // a hardware adapter names the file when nvidia-smi and PyTorch cannot (e.g. "nvidia-h100-80gb-hbm3")
        const adapterName = described?.details['device'];
        if (backend === 'webgpu' && hardwareGpu && typeof adapterName === 'string' && adapterName !== '') {
          webgpuAdapter = adapterName;
        }
        console.log(`  ${backend}: ${device ?? 'selected'}`);
      } catch (error) {
        console.log(`  ${backend}: skipped, cannot be forced here: ${messageOf(error).slice(0, 300)}`);
        continue;
      }
      let msPerFlop: number | null = null;
      for (const [index, size] of sizes.entries()) {
        const caseRecord = cases[index];
        if (!caseRecord) continue;
        const engineCase: EngineCase = { backend, ...(device ? { device } : {}), notRun: [] };
        caseRecord.engines.push(engineCase);
        msPerFlop = await runCase(size, caseRecord, engineCase, {
          msPerFlop,
          maxStepMs,
          deadline,
          hardwareGpu,
          gradientCheckpointing: options.gradientCheckpointing ?? false,
          mixedPrecision: options.mixedPrecision ?? false,
        });
        save();
      }
      await releaseBackends();
    }
  } finally {
    await releaseBackends();
  }
  const saved = save();
  printTable(cases);
  console.log(`Saved to ${saved}`);
  return measurementsOf(cases);
}

async function runCase(
  size: BenchSize,
  caseRecord: CaseRecord,
  engineCase: EngineCase,
  limits: {
    msPerFlop: number | null;
    maxStepMs: number;
    deadline: number;
    hardwareGpu: boolean;
    gradientCheckpointing: boolean;
    mixedPrecision: boolean;
  },
): Promise<number | null> {
  const onWebgpu = engineCase.backend === 'webgpu';
  for (const entry of caseRecord.inputs) {
    const label = `${size.key} ${describeInput(entry.input)} on ${engineCase.backend}`;
    if (Date.now() > limits.deadline) {
      engineCase.notRun.push({ input: describeInput(entry.input), reason: 'past the deadline' });
      console.log(`  ${label}: skipped, past the deadline`);
      return limits.msPerFlop;
    }
    // Extrapolating by FLOPs holds where arithmetic dominates (cpu, wasm, a software GPU adapter); on a
    // real GPU a small step is mostly overhead, so it would skip sizes that run in seconds.
    const predicted = limits.msPerFlop === null || limits.hardwareGpu ? null : limits.msPerFlop * entry.flops.step;
    if (predicted !== null && predicted > limits.maxStepMs) {
      const reason = `about ${(predicted / 1000).toFixed(0)} s a step expected (limit ${limits.maxStepMs / 1000} s)`;
      engineCase.notRun.push({ input: describeInput(entry.input), reason });
      console.log(`  ${label}: skipped, ${reason}`);
      continue;
    }
    try {
      const timing = await timeEngineStep(
        size.model,
        entry.input,
        {
          warmups: 2,
          minRuns: 3,
          maxRuns: 10,
          maxSeconds: 20,
          gradientCheckpointing: limits.gradientCheckpointing,
          mixedPrecision: limits.mixedPrecision,
        },
        onWebgpu,
      );
      engineCase.input = entry.input;
      engineCase.timing = timing;
      engineCase.tflops = entry.flops.step / (timing.msMedian / 1000) / 1e12;
      const fp32 = entry.torch?.modes?.['fp32']?.msMedian;
      const dflt = entry.torch?.modes?.['default']?.msMedian;
      if (fp32 !== undefined) engineCase.ratioToTorchFp32 = timing.msMedian / fp32;
      if (dflt !== undefined) engineCase.ratioToTorchDefault = timing.msMedian / dflt;
      engineCase.paramsMatchTorch = entry.torch?.params === undefined ? null : entry.torch.params === timing.params;
      const dawn = timing.dawnPerStep;
      console.log(
        `  ${label}: ${fmt(timing.msMedian)} ms/step (first ${fmt(timing.firstStepMs, 0)} ms), ` +
          `${fmt(engineCase.tflops, 4)} TFLOP/s, peak tensors ${fmt(timing.peakTensorBytes / MIB, 0)} MiB, ` +
          `${timing.kernelsPerStep} kernels/step` +
          (dawn
            ? `, Dawn/step: ${dawn.dispatches} dispatches, ${dawn.submits} submits, ${dawn.buffersCreated} createBuffer, ${dawn.mapAsyncs} mapAsync`
            : '') +
          (engineCase.ratioToTorchFp32 !== undefined ? `, ${fmt(engineCase.ratioToTorchFp32)}x PyTorch fp32` : '') +
          (entry.torch?.params !== undefined ? `; params ${timing.params} (PyTorch ${entry.torch.params})` : ''),
      );
      return timing.msMedian / entry.flops.step;
    } catch (error) {
      const reason = messageOf(error).slice(0, 500);
      engineCase.notRun.push({ input: describeInput(entry.input), reason: `failed: ${reason}` });
      console.log(`  ${label}: failed: ${reason}`);
    }
  }
  return limits.msPerFlop;
}

function printTable(cases: CaseRecord[]): void {
  console.log(
    '\ncase    input                          backend   ms/step  torch32  torchTF  ratio32  TFLOP/s  tTFLOP/s  peakMiB  tPeakMiB  disp/step  subm  bufs  maps  params(eng/torch)',
  );
  for (const c of cases) {
    for (const e of c.engines) {
      const input = e.input ?? c.inputs[0]?.input;
      const entry = c.inputs.find((i) => input !== undefined && inputKey(i.input) === inputKey(input));
      const fp32 = entry?.torch?.modes?.['fp32'];
      const dflt = entry?.torch?.modes?.['default'];
      const torchTflops =
        fp32?.msMedian !== undefined && entry ? entry.flops.step / (fp32.msMedian / 1000) / 1e12 : undefined;
      const t = e.timing;
      const d = t?.dawnPerStep;
      console.log(
        [
          c.key.padEnd(7),
          (input ? describeInput(input) : '-').padEnd(30),
          e.backend.padEnd(8),
          fmt(t?.msMedian).padStart(8),
          fmt(fp32?.msMedian, 2).padStart(8),
          fmt(dflt?.msMedian, 2).padStart(8),
          fmt(e.ratioToTorchFp32).padStart(8),
          fmt(e.tflops, 4).padStart(8),
          fmt(torchTflops, 2).padStart(9),
          fmt(t ? t.peakTensorBytes / MIB : undefined, 0).padStart(8),
          fmt(fp32?.peakAllocatedBytes !== undefined ? fp32.peakAllocatedBytes / MIB : undefined, 0).padStart(9),
          fmt(d?.dispatches, 0).padStart(10),
          fmt(d?.submits, 0).padStart(5),
          fmt(d?.buffersCreated, 0).padStart(5),
          fmt(d?.mapAsyncs, 0).padStart(5),
          `  ${t?.params ?? '-'}/${entry?.torch?.params ?? '-'}`,
        ].join(' '),
      );
      for (const skipped of e.notRun) console.log(`        not run: ${skipped.input}: ${skipped.reason.slice(0, 200)}`);
    }
  }
}

function measurementsOf(cases: CaseRecord[]): Measurement[] {
  const out: Measurement[] = [];
  for (const c of cases) {
    for (const entry of c.inputs) {
      const fp32 = entry.torch?.modes?.['fp32'];
      if (fp32?.msMedian !== undefined) {
        out.push({
          name: `${c.key} ${describeInput(entry.input)} PyTorch fp32`,
          value: fp32.msMedian,
          unit: 'ms/step',
        });
      }
    }
    for (const e of c.engines) {
      if (!e.timing || !e.input) continue;
      const name = `${c.key} ${describeInput(e.input)} ${e.backend}`;
      out.push({ name, value: e.timing.msMedian, unit: 'ms/step' });
      if (e.ratioToTorchFp32 !== undefined) {
        out.push({ name: `${name} / PyTorch fp32`, value: e.ratioToTorchFp32, unit: 'x', target: '3 (issue 10)' });
      }
      if (e.tflops !== undefined) out.push({ name: `${name} achieved`, value: e.tflops, unit: 'TFLOP/s' });
      out.push({ name: `${name} peak tensors`, value: e.timing.peakTensorBytes / MIB, unit: 'MiB' });
      const d = e.timing.dawnPerStep;
      if (d) {
        out.push({ name: `${name} dispatches`, value: d.dispatches, unit: '/step' });
        out.push({ name: `${name} submits`, value: d.submits, unit: '/step' });
        out.push({ name: `${name} createBuffer`, value: d.buffersCreated, unit: '/step' });
        out.push({ name: `${name} mapAsync (read-backs)`, value: d.mapAsyncs, unit: '/step' });
      }
    }
  }
  return out;
}

/** Options from the environment, for `npm run bench -- gpu` (bench/run.ts passes none). */
export function gpuBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): GpuBenchOptions {
  const list = (value: string | undefined): string[] | undefined =>
    value ? value.split(',').map((s) => s.trim()) : undefined;
  const backends = list(env['CTVLM_GPU_BENCH_BACKENDS']);
  const sizes = list(env['CTVLM_GPU_BENCH_SIZES']);
  return {
    ...(backends ? { backends } : {}),
    ...(sizes ? { sizes } : {}),
    ...(env['CTVLM_GPU_BENCH_PYTHON'] ? { python: env['CTVLM_GPU_BENCH_PYTHON'] } : {}),
    ...(env['CTVLM_GPU_BENCH_TORCH_JSON'] ? { torchJson: env['CTVLM_GPU_BENCH_TORCH_JSON'] } : {}),
  };
}
