/**
 * Grad-CAM with the lesion-model fixture on liver masses it never saw: for "Liver mass is present."
 * against "Liver mass is not present." the map, carried back to the CT grid, is stronger inside the mass than in the rest of the body, and
 * stronger there than for the same anatomy without the mass.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeTexts } from '../../../../src/main/engine/eval/encode-batches';
import { gradCam } from '../../../../src/main/engine/eval/gradcam';
import { loadCheckpoint } from '../../../../src/main/engine/io/model-checkpoint';
import { tf } from '../../../../src/main/engine/tf';
import {
  conspicuous,
  renderPhantomWithTissues,
  TISSUE,
  withLiverMass,
  zeroShotPromptPair,
} from '../../../../src/main/phantoms';
import { HELD_OUT_MASSES, lesionFixtureSources } from '../../../helpers/lesion-fixture-sources';
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
  it(
    'is stronger inside a liver mass than in the rest of the body, for masses the model never saw',
    { timeout: 120_000 },
    async () => {
      const { model } = await loadCheckpoint(path.join(FIXTURE, 'lesion-model'));
      model.eval();
      const preset = loadPresetFile(path.join(FIXTURE, 'lesion-model-preset.json'));
      const tokenizer = loadTokenizer(path.join(REPO_ROOT, 'resources', 'tokenizers', 'demo-wordpiece'));
      try {
        // The zero-shot pair's positive prompt against its negative one: what the prediction is made of.
        const { positive, negative } = zeroShotPromptPair('liver_mass');
        const pair = await encodeTexts(model, tokenizer, [positive, negative]);
        const dim = model.config.embedDim;
        const text = pair.subarray(0, dim).map((value, d) => value - (pair[dim + d] ?? 0));
        const { bases, masses } = lesionFixtureSources();
        const heldOut = masses.slice(-HELD_OUT_MASSES);
        let checked = 0;
        for (const [index, mass] of heldOut.entries()) {
          const base = bases[index % bases.length]!;
          const withMass = renderPhantomWithTissues(withLiverMass(base, conspicuous(mass), 10_000 + index));
          const without = renderPhantomWithTissues(withLiverMass(base, null, 10_000 + index));
          const inMass = withMass.tissues.map((tissue) => (tissue === TISSUE.liverMass ? 1 : 0));
          if (!inMass.includes(1)) continue; // this mass falls outside this anatomy's liver
          const heat = async (rendered: typeof withMass) => {
            const input = preprocess(rendered.volume, preset);
            const map = await expectNoTensorLeak(() => gradCam(model, input.data, input.dims, text));
            expect(map.dims).toEqual([4, 4, 4]); // 128x128x64 / (32, 32, 16)
            return { map, heat: featureMapToGrid(map, input, rendered.volume) };
          };
          const lesion = await heat(withMass);
          if (lesion.map.similarity <= 0) continue; // a mass the model misses (the smallest): nothing to explain
          const control = await heat(without);
          const mean = (values: Float32Array, where: (i: number) => boolean) => {
            let total = 0;
            let count = 0;
            values.forEach((value, i) => {
              if (where(i)) {
                total += value;
                count += 1;
              }
            });
            return total / count;
          };
          const insideMass = (i: number) => inMass[i] === 1;
          const body = (i: number) => inMass[i] === 0 && withMass.tissues[i] !== TISSUE.air;
          expect(lesion.map.max).toBeGreaterThan(0);
          // Stronger inside the lesion than in the background...
          expect(mean(lesion.heat, insideMass), `mass ${index}`).toBeGreaterThan(1.2 * mean(lesion.heat, body));
          // ...and it is the lesion that lights it up: the same anatomy without it is darker there.
          expect(mean(lesion.heat, insideMass)).toBeGreaterThan(mean(control.heat, insideMass));
          expect(lesion.map.similarity).toBeGreaterThan(control.map.similarity);
          checked += 1;
        }
        expect(checked).toBeGreaterThanOrEqual(5);
      } finally {
        model.dispose();
      }
    },
  );

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
