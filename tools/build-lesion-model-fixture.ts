/**
 * Builds tests/fixtures/lesion-model/ (preset: tests/fixtures/lesion-model-preset.json, a soft-tissue
 * window), a tiny CT-VLM checkpoint whose zero-shot prompt pair
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
import { volumeBatch } from '../src/main/engine/eval/encode-batches';
import { CtVlm } from '../src/main/engine/models/ctvlm/ct-vlm';
import type { I3ResNet } from '../src/main/engine/models/ctvlm/i3-resnet';
import { TINY_CTVLM } from '../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../src/main/engine/tf';
import {
  conspicuous,
  renderPhantomWithTissues,
  TISSUE,
  withLiverMass,
  zeroShotPromptPair,
  type AbdomenStudyPlan,
} from '../src/main/phantoms';
import { HELD_OUT_MASSES, lesionFixtureSources } from '../tests/helpers/lesion-fixture-sources';
import { loadTokenizer } from '../src/main/text/tokenizer';
import { preprocess } from '../src/main/volumes/preprocess';
import { loadPresetFile } from '../src/main/volumes/presets';
import { SeededRandom } from '../src/shared/seeded-random';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'tests', 'fixtures', 'lesion-model');
const PRESET = loadPresetFile(path.join(root, 'tests', 'fixtures', 'lesion-model-preset.json'));
const stepsArg = process.argv.indexOf('--steps');
const STEPS = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 400;
const BATCH = 8;
const SCALE = 10;
const LEARNING_RATE = 1e-3;

await selectBackend({ force: process.env.CTVLM_BACKEND ?? 'cpu' });
const tokenizer = loadTokenizer(path.join(root, 'resources', 'tokenizers', 'demo-wordpiece'));
// A few anatomies, each seen without a liver mass and with one of many (conspicuous) masses planned
// for other studies; the masses of the last plans are kept for the tests (lesionModelTestPlans).
const { bases, masses } = lesionFixtureSources();
const trainMasses = masses.slice(0, masses.length - HELD_OUT_MASSES);
const plans: AbdomenStudyPlan[] = [];
let noiseSeed = 1;
for (const base of bases) {
  for (const mass of trainMasses) {
    plans.push(withLiverMass(base, conspicuous(mass), noiseSeed++));
    plans.push(withLiverMass(base, null, noiseSeed++));
  }
}
const rendered = plans.map((plan) => renderPhantomWithTissues(plan));
const visible = rendered.map(({ tissues }) => tissues.some((tissue) => tissue === TISSUE.liverMass));
const kept = plans.flatMap((plan, i) => (plan.labels.liver_mass === 0 || visible[i] ? [i] : []));
const volumes = kept.map((i) => preprocess(rendered[i]!.volume, PRESET).data);
const labels = kept.map((i) => plans[i]!.labels.liver_mass);
const TRAIN = Math.floor(volumes.length * 0.85);
const HELD_OUT = volumes.length - TRAIN;
shuffleTogether(volumes, labels, new SeededRandom(5));
console.log(`${volumes.length} volumes, ${labels.filter((l) => l === 1).length} with a liver mass`);

const model = new CtVlm({ ...TINY_CTVLM, text: { ...TINY_CTVLM.text, dropout: 0 }, seed: 7 });
const resnet = new Map(model.namedModules()).get('encode_image.i3_resnet') as I3ResNet;
const batchOf = (indices: readonly number[]): tf.Tensor =>
  volumeBatch(
    indices.map((index) => volumes[index]!),
    PRESET.output.size,
  );

calibrateBatchNorm(model, () => {
  const calibration = batchOf(Array.from({ length: 16 }, (_, i) => i));
  tf.dispose([model.encodeImage(calibration), calibration]);
});
// Centre the image embedding: layer4's outputs are all positive (ReLU), so without this every
// volume's embedding points almost the same way and, once L2-normalised, barely varies. The
// contrastive head's bias is set so that the calibration batch's embeddings average to zero.
{
  const bias = model.namedParameters().find(([name]) => name === 'encode_image.i3_resnet.contrastive_head.bias')?.[1];
  if (!bias) throw new Error('no contrastive_head.bias');
  const calibration = batchOf(Array.from({ length: 32 }, (_, i) => i));
  const mean = tf.tidy(() => tf.mean(resnet.embedFeatures(resnet.features(calibration)), 0));
  bias.assign(tf.tidy(() => tf.sub(bias, mean)));
  tf.dispose([calibration, mean]);
}
const pair = zeroShotPromptPair('liver_mass');
const prompts = tokenizer.encodeBatch([pair.positive, pair.negative], model.config.text.maxLength);
const promptIds = tf.tensor2d(prompts.ids, [2, prompts.maxLength], 'int32');
const promptMask = tf.tensor2d(prompts.mask, [2, prompts.maxLength], 'int32');

// The stem, layer1 and layer2 stay as initialised (with calibrated BatchNorm): their outputs are
// computed once per volume, and only layer3, layer4, the heads and the text tower train, which
// makes a step ~10x cheaper. Grad-CAM reads layer4, which is trained.
type Layer = { apply(x: tf.Tensor): tf.Tensor };
const modules = new Map(model.namedModules());
const part = (name: string): Layer => modules.get(`encode_image.i3_resnet.${name}`) as unknown as Layer;
const frozen = (x: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    const stem = part('maxpool').apply(tf.relu(part('bn1').apply(part('conv1').apply(x))));
    return part('layer2').apply(part('layer1').apply(stem));
  });
const early = volumes.map((_, index) => {
  const batch = batchOf([index]);
  const out = frozen(batch);
  batch.dispose();
  return out;
});
model.setTrainable((name) => /^encode_image\.i3_resnet\.(layer3|layer4|contrastive_head)\.|^encode_text\./.test(name));
const imageParameter = new Set(
  model
    .namedParameters()
    .filter(([name, variable]) => variable.trainable && name.startsWith('encode_image.'))
    .map(([, variable]) => variable),
);

/** layer4's output from cached layer2 outputs. */
function layer4Of(indices: readonly number[]): tf.Tensor {
  return tf.tidy(() => part('layer4').apply(part('layer3').apply(tf.concat(indices.map((i) => early[i]!)))));
}

/** L2-normalised image embeddings from cached layer2 outputs: [B, embedDim]. */
function imageEmbedding(indices: readonly number[]): tf.Tensor {
  return tf.tidy(() => model.embedImageFeatures(layer4Of(indices)));
}

/** t_pos − t_neg: [embedDim, 1]. */
function promptDifference(): tf.Tensor {
  return tf.tidy(() => {
    const [positive, negative] = tf.split(model.encodeText(promptIds, promptMask), 2, 0);
    return tf.reshape(tf.sub(positive!, negative!), [-1, 1]);
  });
}

/** scale·(cos_pos − cos_neg) = scale·image·(t_pos − t_neg): [B]. */
function logits(indices: readonly number[], direction: tf.Tensor = promptDifference()): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.mul(tf.matMul(imageEmbedding(indices), direction), SCALE), [-1]));
}

const random = new SeededRandom(99);
const trainIndices = Array.from({ length: TRAIN }, (_, i) => i);
async function train(
  name: string,
  steps: number,
  variables: tf.Variable[],
  loss: (chosen: number[], target: tf.Tensor) => tf.Scalar,
): Promise<void> {
  const optimizer = tf.train.adam(LEARNING_RATE);
  let running = 0.69;
  for (let step = 0; step < steps; step += 1) {
    const chosen = Array.from({ length: BATCH }, () => random.pick(trainIndices));
    const target = tf.tensor1d(chosen.map((i) => labels[i]!));
    const value = optimizer.minimize(() => loss(chosen, target), true, variables);
    running = 0.9 * running + 0.1 * ((await value!.data<'float32'>())[0] ?? NaN);
    if (step % 50 === 0 || step === steps - 1)
      console.log(`${name} step ${step}: loss (running mean) ${running.toFixed(4)}`);
    tf.dispose([target, value!]);
  }
  optimizer.dispose();
}

// Image and text must agree on a direction before the pair loss has a gradient worth following (at
// initialisation t_pos ≈ t_neg and the volumes' embeddings barely differ: a bilinear saddle), so:
// 1. layer3 and layer4 learn the mass with a linear probe on their pooled output;
const headParameter = new Set(
  model.namedParameters().flatMap(([name, variable]) => (name.includes('contrastive_head') ? [variable] : [])),
);
const probe = tf.variable(tf.zeros([resnet.featureChannels, 1]));
const probeBias = tf.variable(tf.zeros([1]));
await train(
  'image',
  STEPS,
  [...imageParameter].filter((variable) => !headParameter.has(variable)).concat([probe, probeBias]),
  (chosen, target) =>
    tf.tidy(() => {
      const pooled = tf.mean(layer4Of(chosen), [1, 2, 3]);
      return tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(
        target,
        tf.reshape(tf.add(tf.matMul(pooled, probe), probeBias), [-1]),
      );
    }),
);
// 2. the contrastive head learns to put that along a direction w of the embedding space;
const direction = tf.variable(tf.randomNormal([model.config.embedDim, 1], 0, 0.05, 'float32', 3));
await train('head', STEPS / 2, [...headParameter, direction], (chosen, target) =>
  tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(target, logits(chosen, direction)),
);
// 3. the text tower learns to put t_pos − t_neg along w;
const textVariables = model.trainableParameters().filter((variable) => !imageParameter.has(variable));
await train('text', 200, textVariables, () =>
  tf.tidy(() => {
    const difference = promptDifference();
    const cosine = tf.sum(tf.mul(tf.div(difference, tf.norm(difference)), tf.div(direction, tf.norm(direction))));
    return tf.sub<tf.Scalar>(1, cosine);
  }),
);
// 4. everything, on the zero-shot pair itself.
await train('pair', STEPS / 4, model.trainableParameters(), (chosen, target) =>
  tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(target, logits(chosen)),
);
tf.dispose([probe, probeBias, direction]);

let correct = 0;
for (let i = TRAIN; i < TRAIN + HELD_OUT; i += 1) {
  const output = logits([i]);
  const value = (await output.data())[0] ?? 0;
  output.dispose();
  if (value > 0 === (labels[i] === 1)) correct += 1;
}
console.log(`held-out accuracy: ${correct}/${HELD_OUT}`);
model.setTrainable(() => true);
function shuffleTogether<A, B>(a: A[], b: B[], random: SeededRandom): void {
  for (let i = a.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
    [b[i], b[j]] = [b[j]!, b[i]!];
  }
}

const info = saveCheckpoint(model, out, { modelId: 'ctvlm-tiny-lesion-fixture' });
console.log(`wrote ${info.folder} (${info.sizeBytes} bytes, sha256 ${info.sha256})`);
