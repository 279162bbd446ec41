/**
 * Grad-CAM on phantoms the lesion-model fixture never saw: for "Liver mass is present." the map,
 * carried back to the CT grid, is stronger inside the liver mass than in the rest of the body.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeTexts } from '../../../../src/main/engine/eval/encode-batches';
import { gradCam } from '../../../../src/main/engine/eval/gradcam';
import { loadCheckpoint } from '../../../../src/main/engine/io/model-checkpoint';
import { tf } from '../../../../src/main/engine/tf';
import { planCohort, renderPhantomWithTissues, TISSUE, zeroShotPromptPair } from '../../../../src/main/phantoms';
import { loadTokenizer } from '../../../../src/main/text/tokenizer';
import { featureMapToGrid } from '../../../../src/main/volumes/feature-map-to-grid';
import { preprocess } from '../../../../src/main/volumes/preprocess';
import { loadPresetFile } from '../../../../src/main/volumes/presets';
import { REPO_ROOT } from '../../../helpers/paths';
import { expectNoTensorLeak } from '../../../helpers/tensor-leaks';

const FIXTURE = path.join(REPO_ROOT, 'tests', 'fixtures');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Grad-CAM', () => {
  it('is stronger inside a liver mass than in the rest of the body, on held-out phantoms', async () => {
    const { model } = await loadCheckpoint(path.join(FIXTURE, 'lesion-model'));
    model.eval();
    const preset = loadPresetFile(path.join(FIXTURE, 'lesion-model-preset.json'));
    const tokenizer = loadTokenizer(path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece'));
    try {
      const text = await encodeTexts(model, tokenizer, [zeroShotPromptPair('liver_mass').positive]);
      const withMass = planCohort({ region: 'abdomen', count: 16, seed: 2024, scanner: 'source' })
        .filter((plan) => (plan.labels as Record<string, number>)['liver_mass'] === 1)
        .slice(0, 3);
      expect(withMass.length).toBe(3);
      for (const plan of withMass) {
        const { volume, tissues } = renderPhantomWithTissues(plan);
        const input = preprocess(volume, preset);
        const map = await expectNoTensorLeak(() => gradCam(model, input.data, input.dims, text));
        expect(map.dims).toEqual([2, 2, 2]); // 64x64x32 / (32, 32, 16)
        expect(map.max).toBeGreaterThan(0);
        const heat = featureMapToGrid(map, input, volume);
        let lesion = 0;
        let lesionCount = 0;
        let body = 0;
        let bodyCount = 0;
        tissues.forEach((tissue, i) => {
          if (tissue === TISSUE.liverMass) {
            lesion += heat[i] ?? 0;
            lesionCount += 1;
          } else if (tissue !== TISSUE.air) {
            body += heat[i] ?? 0;
            bodyCount += 1;
          }
        });
        expect(lesionCount).toBeGreaterThan(0);
        expect(lesion / lesionCount, plan.studyUid).toBeGreaterThan(body / bodyCount);
      }
    } finally {
      model.dispose();
    }
  });

  it('refuses a text embedding of the wrong size', async () => {
    const { model } = await loadCheckpoint(path.join(FIXTURE, 'lesion-model'));
    try {
      await expect(gradCam(model, new Float32Array(8), [2, 2, 2], new Float32Array(3))).rejects.toThrow(
        /A text embedding of 3 values for a model of 32/,
      );
    } finally {
      model.dispose();
    }
  });
});
