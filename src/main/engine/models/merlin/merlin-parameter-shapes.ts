/**
 * Every parameter and buffer of a Merlin by dotted name and shape, from the config alone, so the
 * full-size model's parameter counts (and its LoRA counts) can be checked without allocating its
 * ~1.1 GB of weights. A test checks this list against a built small model, name for name.
 */
import { BOTTLENECK_EXPANSION } from '../ctvlm/bottleneck-block';
import type { MerlinConfig } from './merlin-config';
import { MERLIN_INPUT_CHANNELS } from './merlin-volume-layout';
import { LONGFORMER_PROJECTIONS } from './longformer-self-attention';

export interface TensorShape {
  name: string;
  shape: number[];
  /** Buffers are saved state that is never trained (BatchNorm's running statistics). */
  buffer: boolean;
}

/** A Conv3d the ConvLoRA preset may wrap: its name, channels and kernel. */
export interface ConvShape {
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: [number, number, number];
}

export function merlinTensorShapes(config: MerlinConfig): TensorShape[] {
  const shapes: TensorShape[] = [];
  const param = (name: string, ...shape: number[]): void => void shapes.push({ name, shape, buffer: false });
  const buffer = (name: string, ...shape: number[]): void => void shapes.push({ name, shape, buffer: true });
  const linear = (name: string, inFeatures: number, outFeatures: number): void => {
    param(`${name}.weight`, outFeatures, inFeatures);
    param(`${name}.bias`, outFeatures);
  };
  const layerNorm = (name: string, dim: number): void => {
    param(`${name}.weight`, dim);
    param(`${name}.bias`, dim);
  };
  const batchNorm = (name: string, channels: number): void => {
    param(`${name}.weight`, channels);
    param(`${name}.bias`, channels);
    buffer(`${name}.running_mean`, channels);
    buffer(`${name}.running_var`, channels);
    buffer(`${name}.num_batches_tracked`);
  };

  const resnet = 'encode_image.i3_resnet';
  const { image, text, embedDim } = config;
  param(`${resnet}.conv1.weight`, image.stemChannels, MERLIN_INPUT_CHANNELS, 3, 7, 7);
  batchNorm(`${resnet}.bn1`, image.stemChannels);
  for (const conv of merlinBottleneckConvs(config))
    param(`${conv.name}.weight`, conv.outChannels, conv.inChannels, ...conv.kernel);
  for (const conv of merlinBottleneckConvs(config)) batchNorm(batchNormAfter(conv.name), conv.outChannels);
  const features = featureChannels(config);
  param(`${resnet}.contrastive_head.weight`, embedDim, features, 1, 1, 1);
  param(`${resnet}.contrastive_head.bias`, embedDim);
  param(`${resnet}.classifier.weight`, image.classes, features, 1, 1, 1);
  param(`${resnet}.classifier.bias`, image.classes);

  const longformer = 'encode_text.text_encoder';
  const H = text.hiddenSize;
  param(`${longformer}.embeddings.word_embeddings.weight`, text.vocabSize, H);
  param(`${longformer}.embeddings.position_embeddings.weight`, text.maxPositions, H);
  param(`${longformer}.embeddings.token_type_embeddings.weight`, text.typeVocabSize, H);
  layerNorm(`${longformer}.embeddings.LayerNorm`, H);
  for (let i = 0; i < text.layers; i += 1) {
    const layer = `${longformer}.encoder.layer.${i}`;
    for (const name of LONGFORMER_PROJECTIONS) linear(`${layer}.attention.self.${name}`, H, H);
    linear(`${layer}.attention.output.dense`, H, H);
    layerNorm(`${layer}.attention.output.LayerNorm`, H);
    linear(`${layer}.intermediate.dense`, H, text.intermediateSize);
    linear(`${layer}.output.dense`, text.intermediateSize, H);
    layerNorm(`${layer}.output.LayerNorm`, H);
  }
  linear(`${longformer}.pooler.dense`, H, H);
  linear('encode_text.linear_layer', H, embedDim);
  param('logit_scale');
  return shapes;
}

/**
 * Every bottleneck conv1/conv2/conv3 and downsample.0 of layer1..layer4, in model order: what
 * HCC-Merlin's ConvLoRA wraps (154 for ResNet-152; the stem is not among them).
 */
export function merlinBottleneckConvs(config: MerlinConfig): ConvShape[] {
  const convs: ConvShape[] = [];
  const { stemChannels, widths, blocks } = config.image;
  let channels = stemChannels;
  widths.forEach((width, stage) => {
    const out = width * BOTTLENECK_EXPANSION;
    for (let b = 0; b < (blocks[stage] ?? 0); b += 1) {
      const name = `encode_image.i3_resnet.layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      convs.push(
        { name: `${name}.conv1`, inChannels: channels, outChannels: width, kernel: [1, 1, 1] },
        { name: `${name}.conv2`, inChannels: width, outChannels: width, kernel: [3, 3, 3] },
        { name: `${name}.conv3`, inChannels: width, outChannels: out, kernel: [1, 1, 1] },
      );
      if (stride !== 1 || channels !== out)
        convs.push({ name: `${name}.downsample.0`, inChannels: channels, outChannels: out, kernel: [1, 1, 1] });
      channels = out;
    }
  });
  return convs;
}

function featureChannels(config: MerlinConfig): number {
  return config.image.widths[3] * BOTTLENECK_EXPANSION;
}

/** conv1 -> bn1, conv2 -> bn2, conv3 -> bn3, downsample.0 -> downsample.1. */
function batchNormAfter(convName: string): string {
  return convName.endsWith('.downsample.0')
    ? convName.replace(/\.downsample\.0$/, '.downsample.1')
    : convName.replace(/\.conv(\d)$/, '.bn$1');
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Parameters (not buffers) whose names start with `prefix`. */
export function countParameters(shapes: readonly TensorShape[], prefix = ''): number {
  return shapes
    .filter((entry) => !entry.buffer && entry.name.startsWith(prefix))
    .reduce((sum, entry) => sum + elementCount(entry.shape), 0);
}
