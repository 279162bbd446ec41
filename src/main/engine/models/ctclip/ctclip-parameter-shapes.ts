/**
 * Every parameter and buffer of a CT-CLIP by dotted name and shape, from the config alone, so the
 * full-size model's parameter counts (and LoRA counts) can be checked without allocating its
 * 1.75 GB of weights. A test checks this list against a built small model, name for name.
 */
import { feedForwardInnerSize, visualLatentInputSize, type CtClipConfig } from './ctclip-config';

export interface TensorShape {
  name: string;
  shape: number[];
  /** Buffers are saved state that is never trained (LayerNorm betas of CTViT, the codebook). */
  buffer: boolean;
}

export function ctClipTensorShapes(config: CtClipConfig): TensorShape[] {
  const shapes: TensorShape[] = [];
  const param = (name: string, ...shape: number[]): void => void shapes.push({ name, shape, buffer: false });
  const buffer = (name: string, ...shape: number[]): void => void shapes.push({ name, shape, buffer: true });
  const linear = (name: string, inFeatures: number, outFeatures: number, bias = true): void => {
    param(`${name}.weight`, outFeatures, inFeatures);
    if (bias) param(`${name}.bias`, outFeatures);
  };
  const layerNorm = (name: string, dim: number): void => {
    param(`${name}.weight`, dim);
    param(`${name}.bias`, dim);
  };

  // text_transformer (BERT)
  const { text, image, latentDim } = config;
  const H = text.hiddenSize;
  const bert = 'text_transformer';
  param(`${bert}.embeddings.word_embeddings.weight`, text.vocabSize, H);
  param(`${bert}.embeddings.position_embeddings.weight`, text.maxPositions, H);
  param(`${bert}.embeddings.token_type_embeddings.weight`, 2, H);
  layerNorm(`${bert}.embeddings.LayerNorm`, H);
  for (let i = 0; i < text.layers; i += 1) {
    const layer = `${bert}.encoder.layer.${i}`;
    for (const name of ['query', 'key', 'value']) linear(`${layer}.attention.self.${name}`, H, H);
    linear(`${layer}.attention.output.dense`, H, H);
    layerNorm(`${layer}.attention.output.LayerNorm`, H);
    linear(`${layer}.intermediate.dense`, H, text.intermediateSize);
    linear(`${layer}.output.dense`, text.intermediateSize, H);
    layerNorm(`${layer}.output.LayerNorm`, H);
  }
  linear(`${bert}.pooler.dense`, H, H);

  // visual_transformer (CTViT)
  const vit = 'visual_transformer';
  const { dim, heads, dimHead, channels, patchSize, temporalPatchSize } = image;
  const inner = heads * dimHead;
  const frameDim = channels * patchSize * patchSize;
  const bias = `${vit}.spatial_rel_pos_bias.net`;
  linear(`${bias}.0.0`, 2, dim);
  for (let i = 1; i < image.positionBiasLayers; i += 1) linear(`${bias}.${i}.0`, dim, dim);
  linear(`${bias}.${image.positionBiasLayers}`, dim, heads);
  for (const [name, patchDim] of [
    ['to_patch_emb_first_frame', frameDim],
    ['to_patch_emb', frameDim * temporalPatchSize],
  ] as const) {
    layerNorm(`${vit}.${name}.1`, patchDim);
    linear(`${vit}.${name}.2`, patchDim, dim);
    layerNorm(`${vit}.${name}.3`, dim);
  }
  const gammaNorm = (name: string): void => {
    param(`${name}.gamma`, dim);
    buffer(`${name}.beta`, dim);
  };
  for (const [stack, depth] of [
    ['enc_spatial_transformer', image.spatialDepth],
    ['enc_temporal_transformer', image.temporalDepth],
  ] as const) {
    for (let i = 0; i < depth; i += 1) {
      const layer = `${vit}.${stack}.layers.${i}`;
      param(`${layer}.0.dsconv.weight`, dim, 1, 3, 3, 3);
      param(`${layer}.0.dsconv.bias`, dim);
      gammaNorm(`${layer}.1.norm`);
      gammaNorm(`${layer}.1.context_norm`);
      param(`${layer}.1.null_kv`, heads, 2 * image.numNullKv, dimHead);
      linear(`${layer}.1.to_q`, dim, inner, false);
      linear(`${layer}.1.to_kv`, dim, inner * 2, false);
      param(`${layer}.1.q_scale`, dimHead);
      param(`${layer}.1.k_scale`, dimHead);
      linear(`${layer}.1.to_out`, inner, dim, false);
      layerNorm(`${layer}.3.0`, dim);
      linear(`${layer}.3.1`, dim, feedForwardInnerSize(image) * 2, false);
      linear(`${layer}.3.4`, feedForwardInnerSize(image), dim, false);
    }
    gammaNorm(`${vit}.${stack}.norm_out`);
  }
  buffer(`${vit}.vq._codebook.initted`, 1);
  buffer(`${vit}.vq._codebook.cluster_size`, 1, image.codebookSize);
  buffer(`${vit}.vq._codebook.embed`, 1, image.codebookSize, dim);
  linear(`${vit}.to_pixels_first_frame.0`, dim, frameDim);
  linear(`${vit}.to_pixels.0`, dim, frameDim * temporalPatchSize);

  // projections and temperature
  linear('to_text_latent', H, latentDim, false);
  linear('to_visual_latent', visualLatentInputSize(image), latentDim, false);
  param('temperature');
  linear('to_text_latent_extra', H, latentDim, false);
  linear('to_visual_latent_extra', visualLatentInputSize(image), latentDim, false);
  return shapes;
}

/** Elements of a tensor of this shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Parameters (not buffers) whose name starts with `prefix` ('' for all). */
export function countParameters(shapes: readonly TensorShape[], prefix = ''): number {
  return shapes
    .filter((entry) => !entry.buffer && entry.name.startsWith(prefix))
    .reduce((sum, entry) => sum + elementCount(entry.shape), 0);
}
