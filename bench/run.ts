/**
 * `npm run bench [name...]`: runs the benchmarks (all, or those named), prints the numbers and
 * keeps them in bench/results/ with the machine's name.
 */
import { print, save, type Measurement } from './bench-utils';
import { runAugmentBench } from './augment.bench';
import { runBackendsBench } from './backends.bench';
import { runCheckpointReadBench } from './checkpoint-read.bench';
import { runEvalBench } from './eval.bench';
import { runExtractionBench } from './extraction.bench';
import { runFoundationBench } from './foundation.bench';
import { gpuBenchOptionsFromEnv, runGpuBench } from './gpu/gpu.bench';
import { runPhantomsBench } from './phantoms.bench';
import { runTrainRunBench } from './train-run.bench';
import { runTrainMemoryBench } from './train-memory.bench';
import { runTrainStepBench } from './train-step.bench';
import { runPreprocessBench } from './preprocess.bench';
import { runReadVolumeBench } from './read-volume.bench';

const benches: Record<string, { title: string; run: () => Promise<Measurement[]> }> = {
  foundation: { title: 'Foundation: projects, jobs, web mode', run: runFoundationBench },
  'read-volume': { title: 'Reading CT volumes', run: runReadVolumeBench },
  preprocess: { title: 'Preprocessing presets and cache', run: runPreprocessBench },
  augment: { title: 'Augmentation (MedCT-VLM Table 2)', run: runAugmentBench },
  phantoms: { title: 'Synthetic phantom cohorts', run: runPhantomsBench },
  backends: { title: 'Compute backends (conv3d forward+backward, matmul)', run: runBackendsBench },
  'train-step': { title: 'One contrastive training step of the small CT-VLM', run: runTrainStepBench },
  'train-memory': {
    title: 'Peak memory of a training step: full vs PEFT, with and without gradient checkpointing',
    run: runTrainMemoryBench,
  },
  'train-run': { title: 'Training runs on the demo cohort (per method) and the whole demo', run: runTrainRunBench },
  extraction: {
    title: 'Report extraction: rules accuracy on phantom reports, speed, LLM pipeline overhead',
    run: runExtractionBench,
  },
  eval: { title: 'Zero-shot evaluation: metrics, retrieval, projections, Grad-CAM', run: runEvalBench },
  'checkpoint-read': {
    title: 'Reading a PyTorch checkpoint (restricted unpickler, streamed)',
    run: runCheckpointReadBench,
  },
  gpu: {
    title: 'GPU training step: engine backends vs PyTorch, tiny/mid/Merlin-size (issue 10)',
    run: () => runGpuBench(gpuBenchOptionsFromEnv()),
  },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`Unknown bench ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}.`);
  process.exit(2);
}
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const measurements = await bench.run();
  print(bench.title, measurements);
  console.log(`Saved to ${save(name, measurements)}`);
}
