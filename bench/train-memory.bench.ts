/**
 * Peak memory of one training step (the trainer's: accumulatedGradients + AdamW), by method and with
 * or without gradient checkpointing (issue 10's goal: PEFT's peak at most half of full
 * fine-tuning's). Peak = the largest sum of live tfjs tensor bytes during the step (tf.profile), the
 * model's weights and the optimizer's moments included, as PyTorch's max_memory_allocated counts
 * them. tfjs counts the same tensors on every backend, so these figures hold for the GPU's tensors
 * too (its buffer pool comes on top), except where a backend runs an op its own way: on webgpu the
 * AdamW update is one fused program per parameter, on cpu a chain of tfjs ops whose temporaries
 * make the optimizer the peak of a checkpointed step. Backend: CTVLM_TRAIN_MEMORY_BACKEND (default
 * cpu; `webgpu` runs on Mesa lavapipe here).
 *
 * Cases: the mid CtVlm (13.0M parameters, bench/gpu's "mid" model) at (1, 32x64x64) with 64 tokens,
 * full and peft; Merlin's tiny config with HCC-Merlin's PEFT preset.
 */
import { RunConfigSchema, type RunMethod } from '../src/shared/api/run-schemas';
import type { Measurement } from './bench-utils';
import type { ContrastiveModel } from '../src/main/engine/models/contrastive-model';
import { CtVlm } from '../src/main/engine/models/ctvlm/ct-vlm';
import { MID_CTVLM } from '../src/main/engine/models/ctvlm/ctvlm-config';
import { Merlin } from '../src/main/engine/models/merlin/merlin';
import { MERLIN_TINY, MerlinConfigSchema } from '../src/main/engine/models/merlin/merlin-config';
import { symmetricInfoNce } from '../src/main/engine/losses/info-nce';
import { releaseBackends, selectBackend } from '../src/main/engine/backends/select-backend';
import { tf } from '../src/main/engine/tf';
import { accumulatedGradients, disposeGradients } from '../src/main/engine/train/accumulated-gradients';
import { AdamW, adamWParameters } from '../src/main/engine/train/adamw';
import { configureMethod } from '../src/main/engine/train/configure-method';

interface MemoryCase {
  label: string;
  build: () => ContrastiveModel;
  method: RunMethod;
  /** tokens: the model's own maxTextLength where not given */
  input: { batch: number; volume: [number, number, number]; channels: number; tokens?: number; vocab: number };
}

const MID_INPUT = { batch: 1, volume: [32, 64, 64] as [number, number, number], channels: 1, tokens: 64 };
const MERLIN_INPUT = { batch: 2, volume: [32, 32, 32] as [number, number, number], channels: 1 };

const CASES: MemoryCase[] = [
  ...(['full', 'peft'] as const).map((method) => ({
    label: `mid CtVlm (1, 32x64x64), ${method}`,
    build: () => new CtVlm({ ...MID_CTVLM, text: { ...MID_CTVLM.text, maxLength: MID_INPUT.tokens } }),
    method,
    input: { ...MID_INPUT, vocab: MID_CTVLM.text.vocabSize },
  })),
  {
    label: 'tiny Merlin (2, 32x32x32), peft (HCC-Merlin)',
    build: () => new Merlin(MerlinConfigSchema.parse(MERLIN_TINY)),
    method: 'peft',
    input: { ...MERLIN_INPUT, vocab: MerlinConfigSchema.parse(MERLIN_TINY).text.vocabSize },
  },
];

const MIB = 2 ** 20;

/** Peak tensor bytes of one training step (after a warm-up step, so Adam's moments exist). */
async function peakOfStep(memoryCase: MemoryCase, checkpointing: boolean): Promise<{ peak: number; weights: number }> {
  const model = memoryCase.build();
  configureMethod(model, RunConfigSchema.parse({ method: memoryCase.method }));
  model.train();
  model.setGradientCheckpointing(checkpointing);
  const parameters = adamWParameters(model);
  const optimizer = new AdamW(parameters, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 });
  const { batch, volume, channels, vocab } = memoryCase.input;
  const tokens = memoryCase.input.tokens ?? model.maxTextLength;
  const [volumes, ids, mask] = tf.tidy(() => [
    tf.randomUniform([batch, ...volume, channels], 0, 1, 'float32', 1),
    tf.randomUniform([batch, tokens], 1, vocab, 'int32', 2),
    tf.ones([batch, tokens], 'int32'),
  ]);
  const step = async (): Promise<void> => {
    const micro = {
      size: batch,
      loss: () => symmetricInfoNce(model.encodeVolumes(volumes), model.encodeText(ids, mask), model.logitScale()),
    };
    const { gradients, gradientScale } = await accumulatedGradients(parameters, [micro], 1);
    optimizer.apply(gradients, 1e-4, gradientScale);
    disposeGradients(gradients);
  };
  try {
    await step();
    const weights = tf.memory().numBytes;
    const profile = await tf.profile(step);
    return { peak: profile.peakBytes, weights };
  } finally {
    tf.dispose([volumes, ids, mask]);
    optimizer.dispose();
    model.dispose();
  }
}

export async function runTrainMemoryBench(): Promise<Measurement[]> {
  const backend = process.env['CTVLM_TRAIN_MEMORY_BACKEND'] ?? 'cpu';
  await selectBackend({ force: backend });
  try {
    return await measure(backend);
  } finally {
    await releaseBackends();
  }
}

async function measure(backend: string): Promise<Measurement[]> {
  console.log(`  backend: ${backend}`);
  const measurements: Measurement[] = [];
  const peaks = new Map<string, number>();
  for (const memoryCase of CASES) {
    for (const checkpointing of [false, true]) {
      const name = `${memoryCase.label}${checkpointing ? ', gradient checkpointing' : ''}`;
      const { peak, weights } = await peakOfStep(memoryCase, checkpointing);
      peaks.set(name, peak);
      console.log(`  ${name}: peak ${(peak / MIB).toFixed(1)} MiB (${(weights / MIB).toFixed(1)} MiB before the step)`);
      measurements.push({ name: `${name}: peak tensors (${backend})`, value: peak / MIB, unit: 'MiB' });
    }
  }
  const full = peaks.get('mid CtVlm (1, 32x64x64), full');
  for (const variant of ['', ', gradient checkpointing']) {
    const peft = peaks.get(`mid CtVlm (1, 32x64x64), peft${variant}`);
    if (full && peft) {
      measurements.push({
        name: `mid CtVlm: peft${variant} peak / full fine-tuning peak (no checkpointing; ${backend})`,
        value: peft / full,
        unit: 'x',
        target: '<= 0.5',
      });
    }
  }
  return measurements;
}
