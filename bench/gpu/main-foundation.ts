/**
 * Do the published architectures run at full size? Merlin and CT-CLIP forwards and one HCC-Merlin
 * PEFT step with random weights (foundation-forward.ts), on one forced backend (webgpu by default):
 * `node foundation.mjs [--backend webgpu] [--parts merlin,ctclip,peft] [--runs 3] [--max-case-s 30]
 * [--deadline-s N] [--out DIR] [--tiny] [--gradient-checkpointing] [--mixed-precision]`. In the
 * repository: `npx tsx bench/gpu/main-foundation.ts --tiny`.
 * Writes `gpu-foundation-<device>.json` to --out after every case.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { releaseBackends, selectBackend } from '../../src/main/engine/backends/select-backend';
import { installDawnCounters } from './dawn-counters';
import { patchWebgpuTranspose } from './transpose-workaround';
import { runFoundation, type FoundationCase } from './foundation-forward';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    parts: { type: 'string', default: 'merlin,ctclip,peft' },
    runs: { type: 'string', default: '3' },
    'max-case-s': { type: 'string', default: '30' },
    'deadline-s': { type: 'string', default: '100000' },
    out: { type: 'string', default: 'bench/results' },
    tiny: { type: 'boolean', default: false },
    /** one PEFT input "batch,Z,Y,X" (run each in its own process: a failed step leaks its tape) */
    'peft-input': { type: 'string' },
    /** added to the result file's name */
    tag: { type: 'string', default: '' },
    /** the PEFT step with gradient checkpointing (each block's forward recomputed in the backward) */
    'gradient-checkpointing': { type: 'boolean', default: false },
    /** the PEFT step with mixed precision (f16 conv kernels where the GPU has shader-f16, dynamic loss scaling) */
    'mixed-precision': { type: 'boolean', default: false },
    /** answer size-1-axis transposes on webgpu with a reshape (transpose-workaround.ts) */
    'patch-transpose': { type: 'boolean', default: false },
  },
});

function nvidiaSmi(): string | null {
  const run = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.error || run.status !== 0) return null;
  return run.stdout.split('\n')[0]?.trim() || null;
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'unknown';

/** Exit code: 0 when every case ran without GPU errors, 2 when one failed, was skipped or had GPU errors. */
async function main(): Promise<number> {
  const started = Date.now();
  const peftNumbers = values['peft-input']?.split(',').map(Number);
  const peftInput: [number, number, number, number] | undefined =
    peftNumbers?.length === 4 && peftNumbers.every((n) => Number.isInteger(n) && n > 0)
      ? [peftNumbers[0] ?? 1, peftNumbers[1] ?? 1, peftNumbers[2] ?? 1, peftNumbers[3] ?? 1]
      : undefined;
  const backend = values.backend;
  const onWebgpu = backend === 'webgpu';
  let dawnWrapped: string[] = [];
  if (onWebgpu) {
    const { globals } = await import('webgpu');
    dawnWrapped = installDawnCounters(globals);
  }
  const report = await selectBackend({ force: backend });
  const adapter = report.candidates.find((c) => c.name === backend)?.device;
  const transposePatched = values['patch-transpose'] && onWebgpu ? patchWebgpuTranspose() : false;
  if (values['patch-transpose']) console.log(`transpose workaround: ${transposePatched ? 'on' : 'not applied'}`);
  const smi = nvidiaSmi();
  const deviceName = smi?.split(',')[0]?.trim() ?? `${os.hostname()}-${backend}`;
  console.log(`backend ${backend}: ${adapter?.description ?? '?'}; nvidia-smi: ${smi ?? 'none'}`);
  const cases: FoundationCase[] = [];
  const target = path.join(
    values.out,
    `gpu-foundation-${slug(deviceName)}${values.tiny ? '-tiny' : ''}${values.tag ? `-${values.tag}` : ''}.json`,
  );
  const save = (): void => {
    fs.mkdirSync(values.out, { recursive: true });
    const record = {
      bench: 'gpu-foundation',
      date: new Date().toISOString(),
      node: process.version,
      backend,
      adapter: adapter ?? null,
      nvidiaSmi: smi,
      weights: 'random (built from the configs; no checkpoint)',
      tiny: values.tiny,
      gradientCheckpointing: values['gradient-checkpointing'],
      mixedPrecision: values['mixed-precision'],
      dawnWrapped,
      transposeWorkaround: transposePatched,
      wallSeconds: (Date.now() - started) / 1000,
      cases,
    };
    fs.writeFileSync(target, `${JSON.stringify(record, null, 2)}\n`);
  };
  try {
    await runFoundation({
      tiny: values.tiny,
      onWebgpu,
      runs: Number(values.runs),
      maxCaseSeconds: Number(values['max-case-s']),
      deadline: started + Number(values['deadline-s']) * 1000,
      parts: values.parts.split(',').map((s) => s.trim()),
      ...(peftInput ? { peftInput } : {}),
      gradientCheckpointing: values['gradient-checkpointing'],
      mixedPrecision: values['mixed-precision'],
      onCase: (record) => {
        cases.push(record);
        save();
      },
    });
  } finally {
    save();
    await releaseBackends();
  }
  console.log(`Saved to ${target}`);
  return cases.every((c) => c.ok && !c.gpuErrorCount) ? 0 : 2;
}

try {
  process.exit(await main());
} catch (error) {
  console.error(error);
  process.exit(1);
}
