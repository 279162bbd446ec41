/** A tiny CT-VLM base model (random, BatchNorm calibrated) and a 32x32x16 preset for fast training tests. */
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_PRESET } from '../../../src/main/demo/demo-cohort';
import { saveCheckpoint } from '../../../src/main/engine/io/model-checkpoint';
import { CtVlm } from '../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM } from '../../../src/main/engine/models/ctvlm/ctvlm-config';
import type { Preset } from '../../../src/main/volumes/preset-schema';
import { REPO_ROOT } from '../../helpers/paths';

export const DEMO_TOKENIZER = path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece');

/** The demo preset at half its resolution (same field of view). */
export const TEST_PRESET: Preset = {
  ...DEMO_PRESET,
  name: 'test-32',
  description: 'Training tests: 12x12x20 mm, soft tissue window, 32x32x16.',
  spacing: { mm: [12, 12, 20], grid: 'monai-spacing' },
  output: { size: [32, 32, 16], padValue: 0 },
  layout: { shape: [1, 16, 32, 32], axes: 'CZYX' },
};

export function writeTinyBaseModel(dir: string, seed = 3): { checkpoint: string; preset: string } {
  const checkpoint = path.join(dir, 'model');
  const model = new CtVlm({ ...TINY_CTVLM, seed });
  try {
    saveCheckpoint(model, checkpoint, { modelId: 'ctvlm-tiny-test' });
  } finally {
    model.dispose();
  }
  const preset = path.join(dir, 'preset.json');
  fs.writeFileSync(preset, JSON.stringify(TEST_PRESET, null, 2));
  return { checkpoint, preset };
}
