/**
 * Builds resources/demo-model/: the tiny CT-VLM that `ctvlm demo` adapts. It is pretrained here, by
 * the project's own engine, on the demo's "source" cohort (src/main/demo/demo-cohort.ts: arterial
 * phase, enhancing masses, American reports), deterministic on the cpu backend:
 *   node --import tsx tools/build-demo-model.ts [--out resources/demo-model]   (about 15 minutes)
 *
 * Pretraining uses the source cohort's labels, as Merlin's own pretraining used EHR phenotypes
 * next to its reports; adapting it (the demo) never does. Stages, as in
 * tools/build-lesion-model-fixture.ts (a from-scratch tiny model needs them): BatchNorm calibrated
 * and the contrastive head centred; the stem, layer1 and layer2 stay as initialised (computed once
 * per volume); 1. layer3/layer4 learn the mass with a linear probe; 2. the contrastive head puts it
 * along a direction w; 3. the text tower puts the zero-shot prompt pair's difference along w and
 * each report on its finding's side of w; 4. everything, on the zero-shot prompt pair. It prints
 * the zero-shot AUROC on held-out source studies (masses never seen) and on site B studies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_MODEL_ID, DEMO_PRESET, DEMO_SOURCE_HELD_OUT, planDemoCohort } from '../src/main/demo/demo-cohort';
import { selectBackend } from '../src/main/engine/backends/select-backend';
import { volumeBatch } from '../src/main/engine/eval/encode-batches';
import { rocAuc } from '../src/main/engine/eval/metrics/roc';
import { saveCheckpoint } from '../src/main/engine/io/model-checkpoint';
import { calibrateBatchNorm } from '../src/main/engine/layers/batch-norm-calibration';
import { CtVlm } from '../src/main/engine/models/ctvlm/ct-vlm';
import type { I3ResNet } from '../src/main/engine/models/ctvlm/i3-resnet';
import { TINY_CTVLM } from '../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../src/main/engine/tf';
import { renderPhantom, writePhantomReport, zeroShotPromptPair } from '../src/main/phantoms';
import { loadTokenizer } from '../src/main/text/tokenizer';
import { preprocess } from '../src/main/volumes/preprocess';
import { SeededRandom } from '../src/shared/seeded-random';

const arg = (n: string, f: number) => {
  const i = process.argv.indexOf(`--${n}`);
  return i > 0 ? Number(process.argv[i + 1]) : f;
};
const outArg = process.argv.indexOf('--out');
const out = path.resolve(outArg > 0 ? process.argv[outArg + 1]! : path.join('resources', 'demo-model'));
const STEPS = arg('steps', 300);
const BATCH = 16;
const SCALE = 10;
const LR = 1e-3;
const t0 = Date.now();
const log = (s: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s: ${s}`);

await selectBackend({ force: 'cpu' });
const tokenizer = loadTokenizer(path.join('resources', 'tokenizers', 'demo-wordpiece'));
const plans = planDemoCohort('source');
const held = DEMO_SOURCE_HELD_OUT;
const volumes = plans.map((plan) => preprocess(renderPhantom(plan), DEMO_PRESET).data);
const labels = plans.map((plan) => plan.labels.liver_mass);
const reports = plans.map((plan) => writePhantomReport(plan));
const TRAIN = plans.length - held;
const bPlans = planDemoCohort('second', { count: 100 });
const bVolumes = bPlans.map((plan) => preprocess(renderPhantom(plan), DEMO_PRESET).data);
const bLabels = bPlans.map((plan) => plan.labels.liver_mass);
log(`rendered ${plans.length} source + ${bPlans.length} site B`);

const model = new CtVlm({ ...TINY_CTVLM, text: { ...TINY_CTVLM.text, dropout: 0 }, seed: 7 });
const resnet = new Map(model.namedModules()).get('encode_image.i3_resnet') as I3ResNet;
const batchOf = (vs: Float32Array[], idx: readonly number[]) =>
  volumeBatch(
    idx.map((i) => vs[i]!),
    DEMO_PRESET.output.size,
  );
calibrateBatchNorm(model, () => {
  const c = batchOf(
    volumes,
    Array.from({ length: 32 }, (_, i) => i),
  );
  tf.dispose([model.encodeImage(c), c]);
});
{
  const bias = model.namedParameters().find(([n]) => n === 'encode_image.i3_resnet.contrastive_head.bias')![1];
  const c = batchOf(
    volumes,
    Array.from({ length: 32 }, (_, i) => i),
  );
  const mean = tf.tidy(() => tf.mean(resnet.embedFeatures(resnet.features(c)), 0));
  bias.assign(tf.tidy(() => tf.sub(bias, mean)));
  tf.dispose([c, mean]);
}
const early = volumes.map((_, i) => {
  const b = batchOf(volumes, [i]);
  const o = model.imagePrefix(b, 2);
  b.dispose();
  return o;
});
const bEarly = bVolumes.map((_, i) => {
  const b = batchOf(bVolumes, [i]);
  const o = model.imagePrefix(b, 2);
  b.dispose();
  return o;
});
log('prefixes');
const pair = zeroShotPromptPair('liver_mass');
const prompts = tokenizer.encodeBatch([pair.positive, pair.negative], model.config.text.maxLength);
const promptIds = tf.tensor2d(prompts.ids, [2, prompts.maxLength], 'int32');
const promptMask = tf.tensor2d(prompts.mask, [2, prompts.maxLength], 'int32');
const reportTokens = tokenizer.encodeBatch(reports, model.config.text.maxLength);
const T = reportTokens.maxLength;
const reportBatch = (idx: readonly number[]) => ({
  ids: tf.tensor2d(
    Int32Array.from(idx.flatMap((i) => [...reportTokens.ids.subarray(i * T, (i + 1) * T)])),
    [idx.length, T],
    'int32',
  ),
  mask: tf.tensor2d(
    Int32Array.from(idx.flatMap((i) => [...reportTokens.mask.subarray(i * T, (i + 1) * T)])),
    [idx.length, T],
    'int32',
  ),
});

model.setTrainable((n) => /^encode_image\.i3_resnet\.(layer3|layer4|contrastive_head)\.|^encode_text\./.test(n));
const imageParams = new Set(
  model
    .namedParameters()
    .filter(([n, v]) => v.trainable && n.startsWith('encode_image.'))
    .map(([, v]) => v),
);
const headParams = new Set(
  model
    .namedParameters()
    .filter(([n]) => n.includes('contrastive_head'))
    .map(([, v]) => v),
);
const layer4Of = (cache: tf.Tensor[], idx: readonly number[]) =>
  tf.tidy(() => resnet.featuresFrom(tf.concat(idx.map((i) => cache[i]!)), 2));
const imageEmb = (cache: tf.Tensor[], idx: readonly number[]) =>
  tf.tidy(() => model.embedImageFeatures(layer4Of(cache, idx)));
const promptDiff = () =>
  tf.tidy(() => {
    const [p, n] = tf.split(model.encodeText(promptIds, promptMask), 2, 0);
    return tf.reshape(tf.sub(p!, n!), [-1, 1]);
  });
const logits = (cache: tf.Tensor[], idx: readonly number[], dir: tf.Tensor = promptDiff()) =>
  tf.tidy(() => tf.reshape(tf.mul(tf.matMul(imageEmb(cache, idx), dir), SCALE), [-1]));
const random = new SeededRandom(99);
const trainIdx = Array.from({ length: TRAIN }, (_, i) => i);
async function train(name: string, steps: number, vars: tf.Variable[], loss: (c: number[], y: tf.Tensor) => tf.Scalar) {
  const opt = tf.train.adam(LR);
  let run = 0.69;
  for (let s = 0; s < steps; s += 1) {
    const c = Array.from({ length: BATCH }, () => random.pick(trainIdx));
    const y = tf.tensor1d(c.map((i) => labels[i]!));
    const v = opt.minimize(() => loss(c, y), true, vars)!;
    run = 0.9 * run + 0.1 * ((await v.data())[0] ?? NaN);
    if (s % 50 === 0 || s === steps - 1) log(`${name} ${s}: ${run.toFixed(4)}`);
    tf.dispose([y, v]);
  }
  opt.dispose();
}
async function auroc(cache: tf.Tensor[], ls: number[], from: number, to: number) {
  const idx = Array.from({ length: to - from }, (_, i) => from + i);
  const o = logits(cache, idx);
  const a = rocAuc(
    idx.map((i) => ls[i]!),
    await o.data(),
  );
  o.dispose();
  return a;
}
const probe = tf.variable(tf.zeros([resnet.featureChannels, 1]));
const probeBias = tf.variable(tf.zeros([1]));
await train('image', STEPS, [...imageParams].filter((v) => !headParams.has(v)).concat([probe, probeBias]), (c, y) =>
  tf.tidy(() =>
    tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(
      y,
      tf.reshape(tf.add(tf.matMul(tf.mean(layer4Of(early, c), [1, 2, 3]), probe), probeBias), [-1]),
    ),
  ),
);
const dir = tf.variable(tf.randomNormal([model.config.embedDim, 1], 0, 0.05, 'float32', 3));
await train('head', STEPS / 2, [...headParams, dir], (c, y) =>
  tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(y, logits(early, c, dir)),
);
const textVars = model.trainableParameters().filter((v) => !imageParams.has(v));
// Text: the prompt difference along w, and each report on its label's side of w.
await train('text', arg('text', 200), textVars, (c, y) =>
  tf.tidy(() => {
    const d = promptDiff();
    const cos = tf.sum(tf.mul(tf.div(d, tf.norm(d)), tf.div(dir, tf.norm(dir))));
    const { ids, mask } = reportBatch(c);
    const t = model.encodeText(ids, mask);
    const side = tf.reshape(tf.mul(tf.matMul(t, tf.div(dir, tf.norm(dir))), SCALE), [-1]);
    return tf.add<tf.Scalar>(tf.sub(1, cos), tf.losses.sigmoidCrossEntropy(y, side));
  }),
);
await train('pair', STEPS / 4, model.trainableParameters(), (c, y) =>
  tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(y, logits(early, c)),
);
log(
  `source held-out AUROC ${(await auroc(early, labels, TRAIN, plans.length))?.toFixed(3)}; site B AUROC ${(await auroc(bEarly, bLabels, 0, bPlans.length))?.toFixed(3)}`,
);
model.setTrainable(() => true);
const info = saveCheckpoint(model, out, { modelId: DEMO_MODEL_ID });
fs.writeFileSync(path.join(out, 'preset.json'), `${JSON.stringify(DEMO_PRESET, null, 2)}\n`);
log(`wrote ${info.folder} ${info.sizeBytes}`);
