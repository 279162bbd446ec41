/**
 * The small CT vision-language model family: an I3D-style 3D ResNet image encoder (Merlin's
 * I3ResNet layout, fewer and narrower blocks) and a BERT-style text encoder, each projected to a
 * shared embedding, with a learnable temperature in either reference parametrisation.
 */
import { z } from 'zod';

const positive = z.number().int().positive();

export const CtVlmConfigSchema = z
  .object({
    name: z.string().min(1),
    image: z
      .object({
        /** Channels of the 3D volume fed to the encoder (Merlin repeats its 1 channel to 3). */
        inputChannels: positive.default(1),
        stemChannels: positive,
        /** Bottleneck width of each of the 4 stages; each block outputs width * 4 channels. */
        widths: z.tuple([positive, positive, positive, positive]),
        /** Bottleneck blocks per stage (Merlin's ResNet-152: 3, 8, 36, 3). */
        blocks: z.tuple([positive, positive, positive, positive]),
      })
      .strict(),
    text: z
      .object({
        vocabSize: positive,
        hiddenSize: positive,
        layers: positive,
        heads: positive,
        intermediateSize: positive,
        maxPositions: positive,
        maxLength: positive,
        dropout: z.number().min(0).max(0.9).default(0.1),
      })
      .strict()
      .refine((t) => t.hiddenSize % t.heads === 0, 'text.hiddenSize must be divisible by text.heads')
      .refine((t) => t.maxLength <= t.maxPositions, 'text.maxLength cannot exceed text.maxPositions'),
    embedDim: positive,
    temperature: z
      .object({
        /** 'divide': logits = cos / τ (HCC-Merlin); 'exp': logits = cos · exp(t) (CT-CLIP). */
        parametrisation: z.enum(['divide', 'exp']),
        /** τ itself for 'divide'; the scale exp(t) for 'exp' (t = ln of it). */
        init: z.number().positive(),
      })
      .strict(),
    seed: z.number().int().min(0).default(42),
  })
  .strict();

export type CtVlmConfig = z.output<typeof CtVlmConfigSchema>;
export type CtVlmConfigInput = z.input<typeof CtVlmConfigSchema>;

/** Trains on 2 CPU cores in tests: 64x64x32 volumes, a 2-layer text encoder. */
export const TINY_CTVLM: CtVlmConfigInput = {
  name: 'ctvlm-tiny',
  image: { stemChannels: 8, widths: [4, 8, 16, 32], blocks: [1, 1, 1, 1] },
  text: { vocabSize: 569, hiddenSize: 32, layers: 2, heads: 2, intermediateSize: 64, maxPositions: 128, maxLength: 96 },
  embedDim: 32,
  temperature: { parametrisation: 'divide', init: 1.0 },
};

/** A mid-size model for GPU benchmarks: 128x128x64 volumes, a 4-layer 256-wide text encoder. */
export const MID_CTVLM: CtVlmConfigInput = {
  name: 'ctvlm-mid',
  image: { stemChannels: 32, widths: [16, 32, 64, 128], blocks: [2, 2, 2, 2] },
  text: {
    vocabSize: 30522,
    hiddenSize: 256,
    layers: 4,
    heads: 4,
    intermediateSize: 1024,
    maxPositions: 512,
    maxLength: 256,
  },
  embedDim: 256,
  temperature: { parametrisation: 'divide', init: 1.0 },
};
