/**
 * One contrastive training step (symmetric InfoNCE + Adam, fp32) of a CT-VLM about the size of the
 * stack-notes' tfjs/PyTorch script: TINY_CTVLM (3D ResNet, stem 8, widths 4/8/16/32, one block a
 * stage; 2-layer 32-wide text encoder, 32 tokens). ms per step (median of 3 after 1 warm-up) at the
 * stack-notes' small (2, 16x32x32) and mid (4, 32x96x96) shapes, on each backend selectBackend can
 * force here; each name carries the stack-notes figure to compare with. A backend that cannot be
 * forced (unavailable, or rejected by its self-test) is reported and skipped; so is a shape whose
 * step, extrapolated from the small one by voxel count, would take over a minute, and a backend on
 * which the step fails (said why).
 */
import { type Measurement } from './bench-utils';
import { messageOf } from '../src/main/engine/backends/backend-candidate';
import { BACKEND_NAMES, releaseBackends, selectBackend } from '../src/main/engine/backends/select-backend';
import { CtVlm } from '../src/main/engine/models/ctvlm/ct-vlm';
import { MID_CTVLM, TINY_CTVLM, type CtVlmConfigInput } from '../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../src/main/engine/tf';
import { contrastiveStep, type ContrastiveBatch } from '../src/main/engine/train/contrastive-step';

/** The tiny model on both shapes; the mid-size model (a 4-layer 256-wide text tower) on the small one. */
const MODELS: Array<{ label: string; config: CtVlmConfigInput; shapes: number }> = [
  { label: 'tiny model', config: { ...TINY_CTVLM, text: { ...TINY_CTVLM.text, maxLength: 32 } }, shapes: 2 },
  { label: 'mid model', config: { ...MID_CTVLM, text: { ...MID_CTVLM.text, maxLength: 32 } }, shapes: 1 },
];
const TOKENS = 32;
const RUNS = 3;
const MAX_STEP_MS = 60_000;

interface Shape {
  label: string;
  batch: number;
  volume: [number, number, number];
  /** stack-notes' "one contrastive training step" figures, by backend */
  stackNotes: Record<string, string>;
}

const SHAPES: Shape[] = [
  {
    label: 'small (2, 16x32x32)',
    batch: 2,
    volume: [16, 32, 32],
    stackNotes: {
      cpu: '1,575 ms (2 cores)',
      webgpu: '281 ms on an H100, ~800 ms on lavapipe',
      wasm: '323 ms (2 cores)',
      tensorflow: 'PyTorch H100 6.2 ms',
    },
  },
  {
    label: 'mid (4, 32x96x96)',
    batch: 4,
    volume: [32, 96, 96],
    stackNotes: {
      cpu: 'not measured',
      webgpu: '254 ms on an H100',
      wasm: '9,568 ms (2 cores)',
      tensorflow: 'PyTorch H100 5.8 ms',
    },
  },
];

function voxels(shape: Shape): number {
  return shape.batch * shape.volume.reduce((a, b) => a * b, 1);
}

function seededBatch(shape: Shape, seed: number, config: CtVlmConfigInput): ContrastiveBatch {
  return tf.tidy(() => {
    const vocab = config.text.vocabSize;
    return {
      volumes: tf.randomUniform([shape.batch, ...shape.volume, 1], 0, 1, 'float32', seed),
      ids: tf.randomUniform([shape.batch, TOKENS], 1, vocab, 'int32', seed + 1),
      mask: tf.ones([shape.batch, TOKENS], 'int32'),
    };
  });
}

/** One step, waited for to the end: the loss is read back, then a variable updated after it. */
async function step(model: CtVlm, optimizer: tf.Optimizer, batch: ContrastiveBatch): Promise<number> {
  const started = process.hrtime.bigint();
  await contrastiveStep(model, optimizer, batch);
  await model.temperature.data(); // the queue runs in order: this waits for the whole update
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function timeShape(shape: Shape, config: CtVlmConfigInput): Promise<number> {
  const model = new CtVlm(config).train();
  const optimizer = tf.train.adam(1e-4);
  const batch = seededBatch(shape, 1, config);
  try {
    await step(model, optimizer, batch); // warm-up: shader compilation, Adam's state
    const times: number[] = [];
    for (let i = 0; i < RUNS; i += 1) times.push(await step(model, optimizer, batch));
    return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN;
  } finally {
    tf.dispose([batch.volumes, batch.ids, batch.mask]);
    optimizer.dispose();
    model.dispose();
  }
}

async function benchBackend(name: string): Promise<Measurement[]> {
  try {
    const report = await selectBackend({ force: name });
    const device = report.candidates.find((c) => c.name === name)?.device?.description;
    console.log(`  ${name}: ${device ?? 'selected'}`);
  } catch (error) {
    console.log(`  ${name}: skipped, cannot be forced here: ${messageOf(error)}`);
    return [];
  }
  const measurements: Measurement[] = [];
  for (const model of MODELS) {
    let msPerVoxel: number | null = null;
    for (const shape of SHAPES.slice(0, model.shapes)) {
      const title = `${model.label}, ${shape.label} on ${name} — stack-notes: ${shape.stackNotes[name] ?? 'n/a'}`;
      const predicted = msPerVoxel === null ? null : msPerVoxel * voxels(shape);
      if (predicted !== null && predicted > MAX_STEP_MS) {
        console.log(`  ${title}: skipped, about ${(predicted / 1000).toFixed(0)} s a step expected (over 60 s)`);
        continue;
      }
      let ms: number;
      try {
        ms = await timeShape(shape, model.config);
      } catch (error) {
        console.log(`  ${title}: failed, the step does not run here: ${messageOf(error).slice(0, 300)}`);
        break; // a bigger shape fails the same way
      }
      msPerVoxel = ms / voxels(shape);
      measurements.push({ name: title, value: ms, unit: 'ms/step' });
      console.log(`  ${title}: ${ms.toFixed(0)} ms/step`);
    }
  }
  return measurements;
}

export async function runTrainStepBench(): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  try {
    for (const name of BACKEND_NAMES) measurements.push(...(await benchBackend(name)));
  } finally {
    await releaseBackends();
  }
  return measurements;
}
