/**
 * Merlin (Blankemeier et al. 2024; StanfordMIMI/Merlin): an I3D ResNet-152 image encoder
 * (`encode_image.i3_resnet`, with the phecode `classifier` beside the `contrastive_head`) and the
 * Clinical-Longformer text encoder (`encode_text.text_encoder`, a longformer-base) projected by
 * `encode_text.linear_layer`, plus the stored `logit_scale`. Every size is configurable so tests
 * build small models; MERLIN_FULL is the released checkpoint's.
 */
import { z } from 'zod';

const positive = z.number().int().positive();
const quad = z.tuple([positive, positive, positive, positive]);

export const MerlinConfigSchema = z
  .object({
    name: z.string().min(1),
    image: z
      .object({
        /** Output channels of the stem conv1 (ResNet: 64). */
        stemChannels: positive,
        /** Bottleneck width of layer1..layer4; each block outputs width * 4 channels. */
        widths: quad,
        /** Bottleneck blocks per stage (ResNet-152: 3, 8, 36, 3). */
        blocks: quad,
        /** Outputs of `classifier` (Merlin: 1692 phecodes). */
        classes: positive,
      })
      .strict(),
    text: z
      .object({
        vocabSize: positive,
        hiddenSize: positive,
        layers: positive,
        heads: positive,
        intermediateSize: positive,
        /** Rows of the position embedding (longformer-base: 4098: 4096 tokens after padding_idx + 1). */
        maxPositions: positive,
        typeVocabSize: positive.default(1),
        /** Longformer's attention_window: each token sees attentionWindow / 2 tokens on either side. */
        attentionWindow: positive.refine((w) => w % 2 === 0, 'text.attentionWindow must be even'),
        /** RoBERTa's <pad> id: position ids start at padTokenId + 1 and padding keeps padTokenId. */
        padTokenId: z.number().int().min(0).default(1),
        layerNormEps: z.number().positive().default(1e-5),
        dropout: z.number().min(0).max(0.9).default(0.1),
        /**
         * Give the first token global attention (through query_global/key_global/value_global), as
         * Longformer's classification heads do. Merlin's TextEncoder calls the model without a
         * global_attention_mask, so the released model uses local attention only (false).
         */
        globalFirstToken: z.boolean().default(false),
        /** Longest input Merlin's tokenizer produces (truncation max_length). */
        maxLength: positive,
      })
      .strict()
      .refine((t) => t.hiddenSize % t.heads === 0, 'text.hiddenSize must be divisible by text.heads')
      .refine(
        (t) => t.maxLength + t.padTokenId < t.maxPositions,
        'text.maxLength + text.padTokenId must be below text.maxPositions',
      ),
    /** Shared embedding size (contrastive_head and linear_layer outputs). */
    embedDim: positive,
    seed: z.number().int().min(0).default(42),
  })
  .strict();

export type MerlinConfig = z.output<typeof MerlinConfigSchema>;
export type MerlinConfigInput = z.input<typeof MerlinConfigSchema>;

/** The released Merlin: I3ResNet-152 (2048-d features) and yikuan8/Clinical-Longformer. */
export const MERLIN_FULL: MerlinConfigInput = {
  name: 'merlin',
  image: { stemChannels: 64, widths: [64, 128, 256, 512], blocks: [3, 8, 36, 3], classes: 1692 },
  text: {
    vocabSize: 50265,
    hiddenSize: 768,
    layers: 12,
    heads: 12,
    intermediateSize: 3072,
    maxPositions: 4098,
    typeVocabSize: 1,
    attentionWindow: 512,
    padTokenId: 1,
    layerNormEps: 1e-5,
    dropout: 0.1,
    globalFirstToken: false,
    maxLength: 1024,
  },
  embedDim: 512,
};

/** Every part of the architecture, small enough for CPU tests. */
export const MERLIN_TINY: MerlinConfigInput = {
  name: 'merlin-tiny',
  image: { stemChannels: 4, widths: [2, 4, 4, 8], blocks: [2, 1, 2, 1], classes: 5 },
  text: {
    vocabSize: 50,
    hiddenSize: 16,
    layers: 2,
    heads: 2,
    intermediateSize: 32,
    maxPositions: 24,
    attentionWindow: 4,
    dropout: 0,
    maxLength: 20,
  },
  embedDim: 8,
};
