/**
 * Reading a PyTorch checkpoint: a synthetic ~200 MB torch.save state dict (f32 weights in many
 * tensors, some stored transposed, some f16) written by python3 with torch in a temp folder, then
 * read in a child process (so its peak RSS is the reader's alone) two ways: every tensor kept,
 * as a model load does, and streamed one at a time. Prints MB/s and peak RSS over the file size
 * (target <= 2x), and torch.load's time on the same file for reference. Skipped, saying so,
 * when no python3 with torch is found.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTorchCheckpoint } from '../src/main/engine/io/torch';
import type { Tensor } from '../src/main/engine/io/safetensors-dtypes';
import type { Measurement } from './bench-utils';

const CHILD_ENV = 'CTVLM_BENCH_CHECKPOINT_CHILD';
const PYTHONS = ['python3', '/usr/bin/python3'];

const WRITE_CHECKPOINT = `
import sys, collections, torch
torch.manual_seed(0)
sd = collections.OrderedDict()
for i in range(44):
    sd[f'layers.{i}.weight'] = torch.randn(1024, 1024)
    sd[f'layers.{i}.bias'] = torch.randn(1024)
for i in range(8):
    sd[f'proj.{i}.weight'] = torch.randn(512, 1024).t()  # stored transposed
    sd[f'half.{i}.weight'] = torch.randn(1024, 512).half()
torch.save(sd, sys.argv[1])
`;
const TORCH_LOAD = `
import sys, time, torch
t = time.perf_counter(); sd = torch.load(sys.argv[1], map_location='cpu'); print((time.perf_counter() - t) * 1000)
`;

interface ChildResult {
  ms: number;
  baselineRss: number;
  peakRss: number;
  tensors: number;
}

/** In the child: read every tensor (keeping them all, or dropping each) and report time and peak RSS. */
function childMain(file: string, keep: boolean): void {
  const baselineRss = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const checkpoint = openTorchCheckpoint(file);
  const kept: Tensor[] = [];
  let count = 0;
  for (const [, tensor] of checkpoint.entries()) {
    if (keep) kept.push(tensor);
    count += 1;
  }
  checkpoint.close();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const result: ChildResult = { ms, baselineRss, peakRss: process.resourceUsage().maxRSS * 1024, tensors: count };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.env[CHILD_ENV] !== undefined) {
  const [file, mode] = process.env[CHILD_ENV].split('\n');
  childMain(file ?? '', mode === 'keep');
}

function findPythonWithTorch(): string | undefined {
  return PYTHONS.find((python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

function readInChild(file: string, mode: 'keep' | 'stream'): ChildResult {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_ENV]: `${file}\n${mode}` },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`checkpoint-read child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as ChildResult;
}

export function runCheckpointReadBench(): Promise<Measurement[]> {
  const python = findPythonWithTorch();
  if (python === undefined) {
    console.log('checkpoint-read: skipped, no python3 with torch found (Debian: apt install python3-torch).');
    return Promise.resolve([]);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-bench-checkpoint-'));
  try {
    const file = path.join(root, 'synthetic.pt');
    const written = spawnSync(python, ['-c', WRITE_CHECKPOINT, file], { encoding: 'utf8' });
    if (written.status !== 0) throw new Error(`writing the checkpoint failed: ${written.stderr}`);
    const size = fs.statSync(file).size;
    const mb = size / 1e6;
    const label = `${mb.toFixed(0)} MB torch.save, 104 tensors`;
    const measurements: Measurement[] = [];
    for (const mode of ['keep', 'stream'] as const) {
      const result = readInChild(file, mode);
      const what = mode === 'keep' ? 'all tensors kept' : 'streamed, one at a time';
      measurements.push(
        { name: `read ${label} (${what})`, value: mb / (result.ms / 1000), unit: 'MB/s' },
        {
          name: `  peak RSS / file size (${what})`,
          value: result.peakRss / size,
          unit: 'x',
          target: mode === 'keep' ? '<= 2x' : undefined,
        },
        {
          name: `  peak RSS above the child's baseline (${what})`,
          value: (result.peakRss - result.baselineRss) / 1e6,
          unit: 'MB',
        },
      );
    }
    const load = spawnSync(python, ['-c', TORCH_LOAD, file], { encoding: 'utf8' });
    if (load.status === 0) {
      measurements.push({
        name: "  torch.load(map_location='cpu') on the same file",
        value: mb / (Number(load.stdout) / 1000),
        unit: 'MB/s',
      });
    }
    return Promise.resolve(measurements);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
