/**
 * The demo's adaptation run: PEFT as HCC-Merlin (ConvLoRA on the image encoder's convolutions,
 * LoRA on the text attention, projections and temperature trainable), sized so the whole demo runs
 * in minutes on 2 CPU cores. Labels are read only by validation (best epoch) and the evaluations.
 */
import type { RunConfigInput } from '../../shared/api/run-schemas';
import { DEMO_TASK } from './demo-cohort';

export const DEMO_RUN_CONFIG: RunConfigInput = {
  name: 'demo-peft',
  method: 'peft',
  imageLora: {
    rank: 4,
    alpha: 8,
    dropout: 0,
    targets: ['/encode_image\\.i3_resnet\\.layer[34]\\.\\d+\\.(conv[123]|downsample\\.0)/'],
  },
  textLora: { rank: 8, alpha: 16, dropout: 0.1, targets: ['query', 'key', 'value'] },
  // τ = 0.1: the pretrained model kept τ at 1, where cos/τ spans only ±1 and InfoNCE barely moves.
  temperature: { init: 0.1, learnable: true },
  optimizer: { learningRate: 2e-3 },
  batchSize: 16,
  epochs: 6,
  earlyStopping: { patience: 2 },
  validationTask: DEMO_TASK,
  seed: 42,
};
