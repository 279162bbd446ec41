/**
 * Builds tests/fixtures/lesion-model/ (with the preset tests/fixtures/lesion-model-preset.json, a
 * soft-tissue window, so the lesions' 20-60 HU contrast is visible to a tiny model): a tiny CT-VLM checkpoint whose zero-shot prompt pair
 * "Liver mass is present." / "Liver mass is not present." separates abdominal phantoms with a liver
 * mass from those without. Tests need a model that really looks at lesions (Grad-CAM must light up
 * the lesion; an evaluation must score well above chance), and a randomly initialised model does not.
 *
 * It is a test fixture, trained WITH labels (binary cross-entropy on sigmoid(scale·(cos_pos − cos_neg)))
 * to make it quickly; the product's adaptation never uses labels. Deterministic on one backend.
 *   node --import tsx tools/build-lesion-model-fixture.ts [--steps 150]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/main/engine/backends/select-backend';
import { saveCheckpoint } from '../src/main/engine/io/model-checkpoint';
import { calibrateBatchNorm } from '../src/main/engine/layers/batch-norm-calibration';
import { CtVlm } from '../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM } from '../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../src/main/engine/tf';
import { planCohort, renderPhantom, zeroShotPromptPair } from '../src/main/phantoms';
import { loadTokenizer } from '../src/main/text/tokenizer';
import { preprocess } from '../src/main/volumes/preprocess';
import { loadPresetFile } from '../src/main/volumes/presets';
import { SeededRandom } from '../src/shared/seeded-random';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'tests', 'fixtures', 'lesion-model');
const PRESET = loadPresetFile(path.join(root, 'tests', 'fixtures', 'lesion-model-preset.json'));
const stepsArg = process.argv.indexOf('--steps');
const STEPS = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 150;
const TRAIN = 48;
const HELD_OUT = 16;
const BATCH = 8;
const SCALE = 10;

await selectBackend({ force: process.env.CTVLM_BACKEND ?? 'cpu' });
const tokenizer = loadTokenizer(path.join(root, 'resources', 'tokenizers', 'demo-wordpiece'));
const plans = planCohort({ region: 'abdomen', count: TRAIN + HELD_OUT, seed: 1234, scanner: 'source' });
const [nx, ny, nz] = PRESET.output.size;
const volumes = plans.map((plan) => preprocess(renderPhantom(plan), PRESET).data);
const labels = plans.map((plan) => (plan.labels as Record<string, number>)['liver_mass'] ?? 0);
console.log(`${plans.length} phantoms, ${labels.filter((l) => l === 1).length} with a liver mass`);

const model = new CtVlm({ ...TINY_CTVLM, text: { ...TINY_CTVLM.text, dropout: 0 }, seed: 7 });
calibrateBatchNorm(model, () => {
  const calibration = batchOf(Array.from({ length: 16 }, (_, i) => i));
  tf.dispose([model.encodeImage(calibration), calibration]);
});
const pair = zeroShotPromptPair('liver_mass');
const prompts = tokenizer.encodeBatch([pair.positive, pair.negative], model.config.text.maxLength);
const promptIds = tf.tensor2d(prompts.ids, [2, prompts.maxLength], 'int32');
const promptMask = tf.tensor2d(prompts.mask, [2, prompts.maxLength], 'int32');

function batchOf(indices: readonly number[]): tf.Tensor {
  const data = new Float32Array(indices.length * nx * ny * nz);
  indices.forEach((index, row) => data.set(volumes[index]!, row * nx * ny * nz));
  return tf.tensor(data, [indices.length, nz, ny, nx, 1]);
}

/** sigmoid(scale·(cos_pos − cos_neg)) logits for a batch: [B]. */
function logits(batch: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const image = model.encodeImage(batch);
    const text = model.encodeText(promptIds, promptMask);
    const cos = tf.matMul(image, text, false, true); // [B, 2]
    const [positive, negative] = tf.split(cos, 2, 1);
    return tf.reshape(tf.mul(tf.sub(positive!, negative!), SCALE), [-1]);
  });
}

const optimizer = tf.train.adam(2e-3);
const random = new SeededRandom(99);
const trainIndices = Array.from({ length: TRAIN }, (_, i) => i);
for (let step = 0; step < STEPS; step += 1) {
  const chosen = Array.from({ length: BATCH }, () => random.pick(trainIndices));
  const batch = batchOf(chosen);
  const target = tf.tensor1d(chosen.map((i) => labels[i]!));
  const loss = optimizer.minimize(
    () => tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(target, logits(batch)),
    true,
    model.trainableParameters(),
  );
  if (step % 10 === 0 || step === STEPS - 1)
    console.log(`step ${step}: loss ${(await loss!.data<'float32'>())[0]?.toFixed(4)}`);
  tf.dispose([batch, target, loss!]);
}

let correct = 0;
for (let i = TRAIN; i < TRAIN + HELD_OUT; i += 1) {
  const batch = batchOf([i]);
  const value = (await logits(batch).data())[0] ?? 0;
  if (value > 0 === (labels[i] === 1)) correct += 1;
  batch.dispose();
}
console.log(`held-out accuracy: ${correct}/${HELD_OUT}`);
const info = saveCheckpoint(model, out, { modelId: 'ctvlm-tiny-lesion-fixture' });
console.log(`wrote ${info.folder} (${info.sizeBytes} bytes, sha256 ${info.sha256})`);
