/**
 * Test fixture: a small two-tower model with the reference models' naming (a ResNet-style
 * bottleneck of Conv3d layers, a BERT-style attention block of Linear layers, a head). Its
 * forward looks children up by name on every call, so wrappers put in by applyLora take effect.
 */
import { Conv3d } from '../../../../src/main/engine/layers/conv3d';
import { SeedSequence } from '../../../../src/main/engine/layers/init';
import { Linear } from '../../../../src/main/engine/layers/linear';
import { LoraLayer, isLoraLayer } from '../../../../src/main/engine/lora/lora-layer';
import { Module } from '../../../../src/main/engine/module';
import { tf, type Tensor } from '../../../../src/main/engine/tf';

export class Container extends Module {
  add<M extends Module>(name: string, module: M): M {
    return this.registerModule(name, module);
  }
}

type Layer = Linear | Conv3d | LoraLayer;

function layer(parent: Module, name: string): Layer {
  const found = new Map(parent.children()).get(name);
  if (found instanceof Linear || found instanceof Conv3d || found instanceof LoraLayer) return found;
  throw new Error(`no layer ${name}`);
}

function container(parent: Module, path: string): Module {
  let current: Module = parent;
  for (const name of path.split('.')) {
    const next = new Map(current.children()).get(name);
    if (!next) throw new Error(`no module ${path}`);
    current = next;
  }
  return current;
}

/** Layer shapes, for checking parameter counts against the formulas. */
export const TINY_CONVS = {
  'image.layer1.0.conv1': { in: 4, out: 2, k: 1 },
  'image.layer1.0.conv2': { in: 2, out: 2, k: 3 },
  'image.layer1.0.conv3': { in: 2, out: 6, k: 1 },
  'image.layer1.0.downsample.0': { in: 4, out: 6, k: 1 },
} as const;
export const TEXT_WIDTH = 8;
export const TEXT_LAYERS = 2;

export class TinyNet extends Module {
  constructor(seed = 1) {
    super();
    const seeds = new SeedSequence(seed);
    const image = this.registerModule('image', new Container());
    image.add('stem', new Conv3d(1, 4, 3, { padding: 1, seed: seeds.take() }));
    const block = image.add('layer1', new Container()).add('0', new Container());
    block.add('conv1', new Conv3d(4, 2, 1, { bias: false, seed: seeds.take() }));
    block.add('conv2', new Conv3d(2, 2, 3, { padding: 1, bias: false, seed: seeds.take() }));
    block.add('conv3', new Conv3d(2, 6, 1, { bias: false, seed: seeds.take() }));
    block.add('downsample', new Container()).add('0', new Conv3d(4, 6, 1, { bias: false, seed: seeds.take() }));
    const layers = this.registerModule('text', new Container())
      .add('encoder', new Container())
      .add('layer', new Container());
    for (let i = 0; i < TEXT_LAYERS; i += 1) {
      const attention = layers.add(String(i), new Container()).add('attention', new Container());
      for (const name of ['query', 'key', 'value', 'dense'])
        attention.add(name, new Linear(TEXT_WIDTH, TEXT_WIDTH, { seed: seeds.take() }));
    }
    this.registerModule('head', new Linear(6 + TEXT_WIDTH, 3, { seed: seeds.take() }));
  }

  /** volume [N, 4, 4, 4, 1], tokens [N, 8] -> [N, 3]. */
  apply(volume: Tensor, tokens: Tensor): Tensor {
    return tf.tidy(() => {
      const image = container(this, 'image');
      const block = container(image, 'layer1.0');
      const stem = tf.relu(layer(image, 'stem').apply(volume));
      const path = layer(block, 'conv3').apply(
        tf.relu(layer(block, 'conv2').apply(tf.relu(layer(block, 'conv1').apply(stem)))),
      );
      const shortcut = layer(container(block, 'downsample'), '0').apply(stem);
      const pooled = tf.mean(tf.relu(tf.add(path, shortcut)), [1, 2, 3]);
      let text = tokens;
      for (let i = 0; i < TEXT_LAYERS; i += 1) {
        const attention = container(this, `text.encoder.layer.${i}.attention`);
        const mixed = tf.add(
          tf.add(layer(attention, 'query').apply(text), layer(attention, 'key').apply(text)),
          layer(attention, 'value').apply(text),
        );
        text = tf.tanh(layer(attention, 'dense').apply(mixed));
      }
      return layer(this, 'head').apply(tf.concat([pooled, text], 1));
    });
  }
}

export function tinyInputs(seed: number): { volume: Tensor; tokens: Tensor } {
  return {
    volume: tf.randomNormal([2, 4, 4, 4, 1], 0, 1, 'float32', seed),
    tokens: tf.randomNormal([2, TEXT_WIDTH], 0, 1, 'float32', seed + 1),
  };
}

/** A training-like update: every LoRA factor moved to seeded random values. */
export function randomiseAllFactors(model: Module, seed: number): void {
  let offset = 0;
  for (const [, module] of model.namedModules()) {
    if (!isLoraLayer(module)) continue;
    for (const variable of [module.loraA.weight, module.loraB.weight]) {
      const value = tf.randomNormal(variable.shape, 0, 0.3, 'float32', seed + offset);
      variable.assign(value);
      value.dispose();
      offset += 1;
    }
  }
}
