import { afterEach, describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput, type RunMethod } from '../../../../src/shared/api/run-schemas';
import { UserError } from '../../../../src/shared/errors';
import { CtVlm } from '../../../../src/main/engine/models/ctvlm/ct-vlm';
import { TINY_CTVLM, type CtVlmConfigInput } from '../../../../src/main/engine/models/ctvlm/ctvlm-config';
import {
  configureMethod,
  setTemperature,
  targetPattern,
  temperatureOf,
} from '../../../../src/main/engine/train/configure-method';

const models: CtVlm[] = [];
afterEach(() => {
  for (const model of models.splice(0)) model.dispose();
});

function tinyModel(config: CtVlmConfigInput = TINY_CTVLM): CtVlm {
  const model = new CtVlm(config);
  models.push(model);
  return model;
}

function runConfig(input: RunConfigInput): ReturnType<typeof RunConfigSchema.parse> {
  return RunConfigSchema.parse(input);
}

const PROJECTIONS = [
  'temperature',
  'encode_image.i3_resnet.contrastive_head.weight',
  'encode_image.i3_resnet.contrastive_head.bias',
  'encode_text.linear_layer.weight',
  'encode_text.linear_layer.bias',
].sort();

/** Modules of TINY_CTVLM (4 stages of one bottleneck block, 2 text layers). */
const STAGE_CONVS = [1, 2, 3, 4].flatMap((stage) =>
  ['conv1', 'conv2', 'conv3', 'downsample.0'].map((conv) => `encode_image.i3_resnet.layer${stage}.0.${conv}`),
);
const TEXT_QKV = [0, 1].flatMap((layer) =>
  ['query', 'key', 'value'].map((part) => `encode_text.text_encoder.encoder.layer.${layer}.attention.self.${part}`),
);
const TEXT_ATTENTION = [0, 1].flatMap((layer) => [
  ...['query', 'key', 'value'].map((part) => `encode_text.text_encoder.encoder.layer.${layer}.attention.self.${part}`),
  `encode_text.text_encoder.encoder.layer.${layer}.attention.output.dense`,
]);

const factorsOf = (modules: readonly string[]): string[] =>
  modules.flatMap((module) => [`${module}.lora_A.weight`, `${module}.lora_B.weight`]);

function trainableNames(model: CtVlm): string[] {
  return model
    .namedParameters()
    .filter(([, variable]) => variable.trainable)
    .map(([name]) => name)
    .sort();
}

/** The base model's weight shapes by module, read from a model nobody wrapped. */
function baseWeightShapes(): Map<string, number[]> {
  const model = tinyModel();
  return new Map(
    model
      .namedParameters()
      .filter(([name]) => name.endsWith('.weight'))
      .map(([name, variable]) => [name.slice(0, -'.weight'.length), [...variable.shape]]),
  );
}

/**
 * LoRA parameters added by wrapping `modules`, from the base weights' shapes: Linear [out, in]
 * gets A [r, in] and B [out, r]; Conv3d [out, in, kd, kh, kw] gets A [r, in, kd, kh, kw] and B [out, r, 1, 1, 1].
 */
function loraCount(modules: readonly string[], rank: number): number {
  const shapes = baseWeightShapes();
  return modules.reduce((sum, module) => {
    const shape = shapes.get(module);
    if (!shape) throw new Error(`no base weight for ${module}`);
    const [out, input, ...kernel] = shape as [number, number, ...number[]];
    return sum + rank * input * kernel.reduce((product, k) => product * k, 1) + out * rank;
  }, 0);
}

const BASE_TOTAL = (() => {
  const model = new CtVlm(TINY_CTVLM);
  const total = model.parameterCount();
  model.dispose();
  return total;
})();

/** contrastive_head [32, 128, 1, 1, 1] + [32], linear_layer [32, 32] + [32], temperature []. */
const PROJECTION_COUNT = 32 * 128 + 32 + 32 * 32 + 32 + 1;

describe('configureMethod', () => {
  it('peft: ConvLoRA on every bottleneck and downsample conv, LoRA on text query/key/value, projections and temperature', () => {
    const model = tinyModel();
    const config = runConfig({ method: 'peft' });
    const method = configureMethod(model, config);
    expect(method.wrapped).toEqual([...STAGE_CONVS, ...TEXT_QKV]);
    expect(trainableNames(model)).toEqual([...factorsOf(STAGE_CONVS), ...factorsOf(TEXT_QKV), ...PROJECTIONS].sort());
    expect([...method.wholeParameters].sort()).toEqual(PROJECTIONS);
    const added = loraCount(STAGE_CONVS, config.imageLora.rank) + loraCount(TEXT_QKV, config.textLora.rank);
    // HCC-Merlin's ranks: ConvLoRA r=2, text LoRA r=16 (Linear 32→32: 16·(32+32) each).
    expect(loraCount(TEXT_QKV, 16)).toBe(6 * 16 * 64);
    expect(method.trainableParameters).toBe(added + PROJECTION_COUNT);
    expect(method.totalParameters).toBe(BASE_TOTAL + added);
    expect(method.adapterCheckpoints).toBe(true);
    // The stem and the wrapped layers' own weights are frozen.
    const trainable = new Set(trainableNames(model));
    expect(trainable.has('encode_image.i3_resnet.conv1.weight')).toBe(false);
    expect(trainable.has(`${TEXT_QKV[0]}.base_layer.weight`)).toBe(false);
  });

  it('projections: only the two projections and the temperature', () => {
    const model = tinyModel();
    const method = configureMethod(model, runConfig({ method: 'projections' }));
    expect(method.wrapped).toEqual([]);
    expect(trainableNames(model)).toEqual(PROJECTIONS);
    expect(method.trainableParameters).toBe(PROJECTION_COUNT);
    expect(method.totalParameters).toBe(BASE_TOTAL);
    expect(method.adapterCheckpoints).toBe(false);
  });

  it('full: every parameter', () => {
    const model = tinyModel();
    model.setTrainable(() => false); // whatever it was before
    const method = configureMethod(model, runConfig({ method: 'full' }));
    expect(method.wrapped).toEqual([]);
    expect(trainableNames(model)).toEqual(
      model
        .namedParameters()
        .map(([name]) => name)
        .sort(),
    );
    expect(method.trainableParameters).toBe(BASE_TOTAL);
    expect(method.totalParameters).toBe(BASE_TOTAL);
    expect(method.adapterCheckpoints).toBe(false);
  });

  it('text-lora: text LoRA and projections, no image LoRA', () => {
    const model = tinyModel();
    const config = runConfig({ method: 'text-lora' });
    const method = configureMethod(model, config);
    expect(method.wrapped).toEqual(TEXT_QKV);
    expect(trainableNames(model)).toEqual([...factorsOf(TEXT_QKV), ...PROJECTIONS].sort());
    expect(method.trainableParameters).toBe(loraCount(TEXT_QKV, config.textLora.rank) + PROJECTION_COUNT);
    expect(model.namedParameters().some(([name]) => name.startsWith('encode_image.') && name.includes('lora_'))).toBe(
      false,
    );
  });

  it('image-conv-lora: ConvLoRA and projections, no text LoRA', () => {
    const model = tinyModel();
    const config = runConfig({
      method: 'image-conv-lora',
      imageLora: { rank: 3, alpha: 6, dropout: 0, targets: ['conv2'] },
    });
    const method = configureMethod(model, config);
    const conv2 = STAGE_CONVS.filter((name) => name.endsWith('conv2'));
    expect(method.wrapped).toEqual(conv2);
    expect(trainableNames(model)).toEqual([...factorsOf(conv2), ...PROJECTIONS].sort());
    // conv2 is 3x3x3: A carries r·in·27.
    expect(method.trainableParameters).toBe(loraCount(conv2, 3) + PROJECTION_COUNT);
    expect(loraCount(conv2, 3)).toBe([4, 8, 16, 32].reduce((sum, width) => sum + 3 * width * 27 + width * 3, 0));
    expect(model.namedParameters().some(([name]) => name.startsWith('encode_text.') && name.includes('lora_'))).toBe(
      false,
    );
  });

  it('attention-lora: LoRA on every attention projection, including the attention output', () => {
    const model = tinyModel();
    const config = runConfig({ method: 'attention-lora' });
    const method = configureMethod(model, config);
    expect(method.wrapped).toEqual(TEXT_ATTENTION);
    expect(trainableNames(model)).toEqual([...factorsOf(TEXT_ATTENTION), ...PROJECTIONS].sort());
    expect(method.trainableParameters).toBe(loraCount(TEXT_ATTENTION, config.attentionLora.rank) + PROJECTION_COUNT);
    // Only the attention's output dense is wrapped, not the feed-forward's.
    expect(
      method.wrapped.some((name) => /intermediate|\.output\.dense$/.test(name) && !name.includes('attention')),
    ).toBe(false);
  });

  it('freezes the temperature when it is not learnable, in every method', () => {
    const methods: RunMethod[] = ['peft', 'full', 'text-lora', 'image-conv-lora', 'projections', 'attention-lora'];
    for (const name of methods) {
      const learnable = configureMethod(tinyModel(), runConfig({ method: name }));
      const model = tinyModel();
      const frozen = configureMethod(model, runConfig({ method: name, temperature: { init: 0.5, learnable: false } }));
      expect(model.temperature.trainable, name).toBe(false);
      expect(trainableNames(model), name).not.toContain('temperature');
      expect(frozen.wholeParameters, name).not.toContain('temperature');
      expect(frozen.trainableParameters, name).toBe(learnable.trainableParameters - 1);
    }
  });
});

describe('temperature', () => {
  const EXP_MODEL: CtVlmConfigInput = { ...TINY_CTVLM, temperature: { parametrisation: 'exp', init: 1 / 0.07 } };

  it('sets τ itself for the divide parametrisation and reads it back', async () => {
    const model = tinyModel();
    configureMethod(model, runConfig({ method: 'projections', temperature: { init: 0.07, learnable: true } }));
    expect((await model.temperature.data())[0]).toBeCloseTo(0.07, 7);
    expect(await temperatureOf(model)).toBeCloseTo(0.07, 7);
  });

  it('sets ln(1/τ) for the exp parametrisation and reads τ back', async () => {
    const model = tinyModel(EXP_MODEL);
    configureMethod(model, runConfig({ method: 'projections', temperature: { init: 0.5, learnable: true } }));
    expect((await model.temperature.data())[0]).toBeCloseTo(Math.log(2), 6);
    expect(await temperatureOf(model)).toBeCloseTo(0.5, 6);
    // The logits' scale is 1/τ either way.
    const scale = model.logitScale();
    expect((await scale.data())[0]).toBeCloseTo(2, 5);
    scale.dispose();

    for (const tau of [0.07, 1, 10]) {
      setTemperature(model, tau);
      expect(await temperatureOf(model)).toBeCloseTo(tau, 5);
      const divide = tinyModel();
      setTemperature(divide, tau);
      expect(await temperatureOf(divide)).toBeCloseTo(tau, 6);
    }
  });

  it('keeps the checkpoint temperature when init is null', async () => {
    const exp = tinyModel(EXP_MODEL);
    configureMethod(exp, runConfig({ method: 'projections', temperature: { init: null, learnable: true } }));
    expect(await temperatureOf(exp)).toBeCloseTo(0.07, 6);
    const divide = tinyModel({ ...TINY_CTVLM, temperature: { parametrisation: 'divide', init: 0.3 } });
    configureMethod(divide, runConfig({ method: 'peft', temperature: { init: null, learnable: true } }));
    expect(await temperatureOf(divide)).toBeCloseTo(0.3, 7);
  });
});

describe('LoRA targets', () => {
  function errorOf(body: () => unknown): UserError {
    try {
      body();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return error as UserError;
    }
    throw new Error('expected an error');
  }

  it('refuses a target that matches no module, naming it', () => {
    const error = errorOf(() =>
      configureMethod(
        tinyModel(),
        runConfig({ method: 'text-lora', textLora: { rank: 4, alpha: 8, dropout: 0, targets: ['qeury'] } }),
      ),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/qeury/);
    expect(error.message).toMatch(/matches no module/);
  });

  it('refuses a misspelt target listed beside ones that match', () => {
    const error = errorOf(() =>
      configureMethod(
        tinyModel(),
        runConfig({ method: 'text-lora', textLora: { rank: 4, alpha: 8, dropout: 0, targets: ['query', 'vlaue'] } }),
      ),
    );
    expect(error.message).toMatch(/"vlaue" matches no module/);
  });

  it('refuses a regex target that matches nothing or is not a regular expression', () => {
    const nothing = errorOf(() =>
      configureMethod(
        tinyModel(),
        runConfig({
          method: 'image-conv-lora',
          imageLora: { rank: 2, alpha: 2, dropout: 0, targets: ['/layer9\\..*/'] },
        }),
      ),
    );
    expect(nothing.message).toMatch(/layer9/);
    const invalid = errorOf(() => targetPattern(['/conv(/']));
    expect(invalid.code).toBe('INVALID_INPUT');
    expect(invalid.message).toMatch(/The LoRA target \/conv\(\/ is not a valid regular expression/);
  });

  it('targetPattern: plain names match the name or its last dotted parts; /regex/ entries match whole names', () => {
    const full = (targets: string[]): RegExp => new RegExp(`^(?:${targetPattern(targets).source})$`);
    const names = full(['query', 'attention.output.dense']);
    expect(names.test('query')).toBe(true);
    expect(names.test('encoder.layer.0.attention.self.query')).toBe(true);
    expect(names.test('encoder.layer.0.attention.self.myquery')).toBe(false);
    expect(names.test('encoder.layer.0.attention.self.query.lora_A')).toBe(false);
    expect(names.test('encoder.layer.0.attention.output.dense')).toBe(true);
    expect(names.test('encoder.layer.0.output.dense')).toBe(false);
    // The dots of a plain name are literal.
    expect(names.test('encoder.layer.0.attentionXoutputXdense')).toBe(false);
    // Characters special to regular expressions are literal in plain names.
    expect(full(['a+b']).test('x.a+b')).toBe(true);
    expect(full(['a+b']).test('x.aab')).toBe(false);

    const regex = full(['/layer\\d\\.\\d+\\.conv[12]/', 'value']);
    expect(regex.test('layer1.0.conv1')).toBe(true);
    expect(regex.test('layer3.12.conv2')).toBe(true);
    expect(regex.test('layer1.0.conv3')).toBe(false);
    expect(regex.test('layer1.0.conv1.base_layer')).toBe(false);
    expect(regex.test('encoder.value')).toBe(true);
    // A string without both slashes is a name, not a regex.
    expect(full(['/conv1']).test('layer1.0.conv1')).toBe(false);
  });
});
