/**
 * FLOPs of one contrastive step, counted analytically the same way as bench/gpu/torch_step.py
 * (its `analytic_forward_flops`): 2 per multiply-add of every conv3d and matmul (the image tower's
 * convolutions and head, the text tower's dense layers, attention scores and context, the
 * projection and the similarity matrix); element-wise work, norms, pooling and the optimizer are
 * not counted. Forward + backward is taken as 3x the forward (the backward computes the gradients
 * of inputs and weights, each as costly as the forward).
 */
import type { CtVlmConfig } from '../../src/main/engine/models/ctvlm/ctvlm-config';
import type { BenchInput } from './sizes';

const EXPANSION = 4;

type Dims = [number, number, number];

const outSize = (size: number, kernel: number, stride: number, padding: number): number =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;

function conv(
  batch: number,
  dims: Dims,
  cin: number,
  cout: number,
  kernel: Dims,
  stride: Dims,
  padding: Dims,
): { flops: number; dims: Dims } {
  const out: Dims = [
    outSize(dims[0], kernel[0], stride[0], padding[0]),
    outSize(dims[1], kernel[1], stride[1], padding[1]),
    outSize(dims[2], kernel[2], stride[2], padding[2]),
  ];
  const voxels = batch * out[0] * out[1] * out[2];
  return { flops: 2 * voxels * cout * cin * kernel[0] * kernel[1] * kernel[2], dims: out };
}

export function imageForwardFlops(image: CtVlmConfig['image'], embedDim: number, input: BenchInput): number {
  const n = input.batch;
  let total = 0;
  const stem = conv(n, input.volume, image.inputChannels, image.stemChannels, [3, 7, 7], [1, 2, 2], [1, 3, 3]);
  total += stem.flops;
  let dims: Dims = stem.dims.map((d) => outSize(d, 3, 2, 1)) as Dims; // maxpool 3, stride 2, padding 1
  let channels = image.stemChannels;
  image.widths.forEach((width, stage) => {
    for (let b = 0; b < (image.blocks[stage] ?? 1); b += 1) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const out = width * EXPANSION;
      total += conv(n, dims, channels, width, [1, 1, 1], [1, 1, 1], [0, 0, 0]).flops;
      const conv2 = conv(n, dims, width, width, [3, 3, 3], [stride, stride, stride], [1, 1, 1]);
      total += conv2.flops;
      total += conv(n, conv2.dims, width, out, [1, 1, 1], [1, 1, 1], [0, 0, 0]).flops;
      if (stride !== 1 || channels !== out) {
        total += conv(n, dims, channels, out, [1, 1, 1], [stride, stride, stride], [0, 0, 0]).flops;
      }
      dims = conv2.dims;
      channels = out;
    }
  });
  total += 2 * n * channels * embedDim; // contrastive_head (1x1x1 conv on the pooled features)
  return total;
}

export function textForwardFlops(text: CtVlmConfig['text'], embedDim: number, input: BenchInput): number {
  const rows = input.batch * input.tokens;
  const h = text.hiddenSize;
  const perLayer =
    4 * 2 * rows * h * h + // query, key, value, attention output
    2 * 2 * input.batch * input.tokens * input.tokens * h + // scores and context, all heads
    2 * 2 * rows * h * text.intermediateSize; // intermediate and output dense
  return text.layers * perLayer + 2 * input.batch * h * embedDim; // + linear_layer on the first token
}

export interface StepFlops {
  imageForward: number;
  textForward: number;
  lossForward: number;
  forward: number;
  /** 3x forward */
  step: number;
}

export function stepFlops(model: CtVlmConfig, input: BenchInput): StepFlops {
  const imageForward = imageForwardFlops(model.image, model.embedDim, input);
  const textForward = textForwardFlops(model.text, model.embedDim, input);
  const lossForward = 2 * input.batch * input.batch * model.embedDim;
  const forward = imageForward + textForward + lossForward;
  return { imageForward, textForward, lossForward, forward, step: 3 * forward };
}
