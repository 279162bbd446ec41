/**
 * CT-CLIP's sizes: a CTViT image encoder (factorised spatial / temporal transformer over 3D
 * patches, then a cosine-similarity codebook lookup), a BERT text encoder (CXR-BERT), Linear
 * projections of both to a shared latent, and a learned log-temperature (logits = cos · exp(t)).
 * Every size is configurable so tests build small ones; CTCLIP_FULL is the released model.
 */
import { z } from 'zod';

const positive = z.number().int().positive();

export const CtClipImageConfigSchema = z
  .object({
    /** Token width of CTViT (CT-CLIP: 512). */
    dim: positive,
    /** Codebook entries of the vector quantiser (CT-CLIP: 8192). */
    codebookSize: positive,
    /** In-plane size of the input (height = width; CT-CLIP: 480). */
    imageSize: positive,
    /** In-plane patch size (CT-CLIP: 20). */
    patchSize: positive,
    /** Slices per patch along the axial axis (CT-CLIP: 10). */
    temporalPatchSize: positive,
    spatialDepth: positive,
    temporalDepth: positive,
    dimHead: positive,
    heads: positive,
    channels: positive.default(1),
    /** Feed-forward width factor: the GEGLU inner width is floor(ffMult · 2/3 · dim). */
    ffMult: positive.default(4),
    /** Hidden layers of the continuous position-bias MLP (the reference's `layers`: 2). */
    positionBiasLayers: positive.default(2),
    /** Learned null key/value pairs per attention (CTViT's self-attention: 0). */
    numNullKv: z.number().int().min(0).default(0),
    /** Attention logit scale (cosine-similarity attention: 8). */
    attentionScale: z.number().positive().default(8),
  })
  .strict()
  .refine((c) => c.imageSize % c.patchSize === 0, 'image.imageSize must be a multiple of image.patchSize');

export const CtClipTextConfigSchema = z
  .object({
    vocabSize: positive,
    hiddenSize: positive,
    layers: positive,
    heads: positive,
    intermediateSize: positive,
    maxPositions: positive,
    /** Longest tokenised report (CT-CLIP tokenises to 512). */
    maxLength: positive.optional(),
    dropout: z.number().min(0).max(0.9).default(0.1),
  })
  .strict()
  .refine((t) => t.hiddenSize % t.heads === 0, 'text.hiddenSize must be divisible by text.heads');

export const CtClipConfigSchema = z
  .object({
    name: z.string().min(1),
    image: CtClipImageConfigSchema,
    text: CtClipTextConfigSchema,
    /** The shared latent (CT-CLIP: 512). */
    latentDim: positive,
    /** The raw log-temperature t at construction (CT-CLIP: 1.0, i.e. a scale of e). */
    temperatureInit: z.number().default(1),
    seed: z.number().int().min(0).default(42),
  })
  .strict();

export type CtClipConfig = z.output<typeof CtClipConfigSchema>;
export type CtClipConfigInput = z.input<typeof CtClipConfigSchema>;
export type CtClipImageConfig = CtClipConfig['image'];
export type CtClipTextConfig = CtClipConfig['text'];

/** Tokens along height (= width) of one slab of patches. */
export function patchGridSize(image: CtClipImageConfig): number {
  return image.imageSize / image.patchSize;
}

/** The width of `to_visual_latent`'s input: the (h, w, dim) grid left after the axial mean, flattened. */
export function visualLatentInputSize(image: CtClipImageConfig): number {
  return patchGridSize(image) ** 2 * image.dim;
}

/** The GEGLU feed-forward's inner width (the reference's int(mult · 2/3 · dim)). */
export function feedForwardInnerSize(image: CtClipImageConfig): number {
  return Math.floor((image.ffMult * 2 * image.dim) / 3);
}

/**
 * The released CT-CLIP (CT-CLIP_v2.pt): CTViT(dim 512, codebook 8192, image 480, patch 20,
 * temporal patch 10, 4 + 4 layers, 8 heads x 32) on 240 x 480 x 480 volumes (a 24 x 24 x 24
 * token grid of 1 x 10 x 20 x 20 = 4000-value patches), CXR-BERT-specialized (BERT-base, 30522
 * tokens), a 512-d latent. 438,148,761 parameters: CTViT 25,890,200 (plus the 8192 x 512 codebook,
 * a buffer), BERT 109,482,240, to_visual_latent and its _extra copy 150,994,944 each,
 * to_text_latent and its copy 393,216 each, the temperature.
 */
export const CTCLIP_FULL: CtClipConfigInput = {
  name: 'ct-clip',
  image: {
    dim: 512,
    codebookSize: 8192,
    imageSize: 480,
    patchSize: 20,
    temporalPatchSize: 10,
    spatialDepth: 4,
    temporalDepth: 4,
    dimHead: 32,
    heads: 8,
  },
  text: {
    vocabSize: 30522,
    hiddenSize: 768,
    layers: 12,
    heads: 12,
    intermediateSize: 3072,
    maxPositions: 512,
    maxLength: 512,
  },
  latentDim: 512,
};

/** Slices of the released model's input volume (240 x 480 x 480). */
export const CTCLIP_FULL_FRAMES = 240;

/** A CT-CLIP small enough for unit tests on the CPU: 12 x 12 slices, a 2-layer 16-wide BERT. */
export const CTCLIP_TINY: CtClipConfigInput = {
  name: 'ct-clip-tiny',
  image: {
    dim: 16,
    codebookSize: 32,
    imageSize: 12,
    patchSize: 4,
    temporalPatchSize: 2,
    spatialDepth: 2,
    temporalDepth: 2,
    dimHead: 8,
    heads: 2,
  },
  text: { vocabSize: 64, hiddenSize: 16, layers: 2, heads: 2, intermediateSize: 32, maxPositions: 16 },
  latentDim: 8,
};
