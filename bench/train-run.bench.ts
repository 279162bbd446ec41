/**
 * Training runs on the demo: one epoch of each method on the demo's second-scanner cohort (the
 * shipped tiny model, 64x64x32 volumes, cpu backend, in this process), reporting throughput
 * (volumes/s), peak tensor memory and trainable parameters. PEFT with ConvLoRA only on layer3/4
 * runs the frozen stem, layer1 and layer2 once per study (cached); the same PEFT on every stage
 * shows what that cache saves. Also: the whole `demo.adapt` job (what `ctvlm demo` runs).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Measurement } from './bench-utils';
import { selectBackend } from '../src/main/engine/backends/select-backend';
import { demoAdaptJob } from '../src/main/demo/demo-adapt-job';
import { buildDemoProject } from '../src/main/demo/demo-build-job';
import { DEMO_RUN_CONFIG } from '../src/main/demo/demo-recipe';
import { createJobContext } from '../src/main/jobs/job-context';
import { createProject, openProject } from '../src/main/store/project-store';
import { runDetail } from '../src/main/store/repositories/run-repository';
import { trainRunJob } from '../src/main/training/train-run-job';

const quiet = (): ReturnType<typeof createJobContext> =>
  createJobContext(new AbortController().signal, null, null, () => undefined);

export async function runTrainRunBench(): Promise<Measurement[]> {
  await selectBackend({ force: process.env.CTVLM_BACKEND ?? 'cpu' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctvlm-bench-train-'));
  const measurements: Measurement[] = [];
  try {
    const dir = path.join(root, 'demo');
    createProject(dir, { name: 'bench', createdBy: 'bench' }).close();
    const build = openProject(dir, { mode: 'write' });
    try {
      await buildDemoProject(build, quiet());
    } finally {
      build.close();
    }
    const variants = [
      { label: 'peft, ConvLoRA on layer3/4 (cached frozen prefix)', config: { ...DEMO_RUN_CONFIG, name: 'b-peft' } },
      {
        label: 'peft, ConvLoRA on every stage (no cache)',
        config: {
          ...DEMO_RUN_CONFIG,
          name: 'b-peft-all',
          imageLora: {
            ...DEMO_RUN_CONFIG.imageLora!,
            targets: ['/encode_image\\.i3_resnet\\.layer\\d\\.\\d+\\.(conv[123]|downsample\\.0)/'],
          },
        },
      },
      {
        label: 'full fine-tuning',
        config: { ...DEMO_RUN_CONFIG, name: 'b-full', method: 'full' as const, optimizer: { learningRate: 1e-4 } },
      },
    ];
    for (const { label, config } of variants) {
      const context = { ...quiet(), projectDir: dir };
      await trainRunJob({ config: { ...config, epochs: 1, testTask: null } }, context);
      const project = openProject(dir, { mode: 'read' });
      try {
        const run = runDetail(project.db, config.name);
        const epoch = run.epochs[0]!;
        measurements.push(
          { name: `${label}: throughput`, value: epoch.volumesPerSecond, unit: 'volumes/s' },
          { name: `${label}: peak tensor memory`, value: epoch.peakTensorBytes / 2 ** 20, unit: 'MiB' },
          { name: `${label}: trainable parameters`, value: run.trainableParameters ?? 0, unit: 'parameters' },
        );
      } finally {
        project.close();
      }
    }
    const fresh = path.join(root, 'fresh');
    createProject(fresh, { name: 'fresh', createdBy: 'bench' }).close();
    const started = performance.now();
    const summary = await demoAdaptJob({ resamples: 1000 }, { ...quiet(), projectDir: fresh });
    measurements.push(
      {
        name: 'ctvlm demo (build + base eval + PEFT + adapted eval), wall',
        value: (performance.now() - started) / 1000,
        unit: 's',
        target: '< 600 s on 2 cores',
      },
      {
        name: 'demo: base zero-shot AUROC (held-out)',
        value: summary.base.auroc.estimate ?? NaN,
        unit: 'AUROC',
        target: '<= 0.65',
      },
      {
        name: 'demo: adapted zero-shot AUROC (held-out)',
        value: summary.adapted.auroc.estimate ?? NaN,
        unit: 'AUROC',
        target: '>= 0.85',
      },
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return measurements;
}
