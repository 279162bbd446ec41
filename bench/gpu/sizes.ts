/**
 * The three cases of issue 10's GPU bench: tiny, mid and Merlin-size inputs. Each names the model
 * (a CtVlm config) and one or more inputs, best first: the engine uses the first input whose step
 * runs (a Merlin-size input may not fit or fail on a backend; the next is smaller), and PyTorch is
 * timed on every input, so each tfjs figure has its PyTorch figure at the very same shapes.
 */
import {
  CtVlmConfigSchema,
  MID_CTVLM,
  TINY_CTVLM,
  type CtVlmConfig,
} from '../../src/main/engine/models/ctvlm/ctvlm-config';

export interface BenchInput {
  batch: number;
  /** [D, H, W] voxels (NDHWC in tfjs, NCDHW in PyTorch) */
  volume: [number, number, number];
  /** tokens per report (all real: mask of ones) */
  tokens: number;
}

export interface BenchSize {
  key: 'tiny' | 'mid' | 'merlin';
  label: string;
  model: CtVlmConfig;
  inputs: BenchInput[];
}

const parse = (config: unknown): CtVlmConfig => CtVlmConfigSchema.parse(config);

export const SIZES: BenchSize[] = [
  {
    key: 'tiny',
    label: 'tiny model, (2, 16x32x32), 32 tokens (stack-notes "small")',
    model: parse({ ...TINY_CTVLM, text: { ...TINY_CTVLM.text, maxLength: 32 } }),
    inputs: [{ batch: 2, volume: [16, 32, 32], tokens: 32 }],
  },
  {
    key: 'mid',
    label: 'mid model, (4, 64x128x128), 128 tokens',
    model: parse(MID_CTVLM),
    inputs: [
      { batch: 4, volume: [64, 128, 128], tokens: 128 },
      { batch: 2, volume: [64, 128, 128], tokens: 128 },
    ],
  },
  {
    // Merlin's preprocessed input is 224x224x160 voxels (x, y, z): [D, H, W] = [160, 224, 224].
    key: 'merlin',
    label: 'mid model, Merlin-size input 160x224x224, 128 tokens',
    model: parse(MID_CTVLM),
    inputs: [
      { batch: 2, volume: [160, 224, 224], tokens: 128 },
      { batch: 1, volume: [160, 224, 224], tokens: 128 },
      { batch: 1, volume: [112, 192, 192], tokens: 128 },
      { batch: 1, volume: [128, 160, 160], tokens: 128 },
      { batch: 1, volume: [96, 160, 160], tokens: 128 },
    ],
  },
];

export function describeInput(input: BenchInput): string {
  return `(${input.batch}, ${input.volume.join('x')}), ${input.tokens} tokens`;
}

export function inputKey(input: BenchInput): string {
  return `${input.batch}x${input.volume.join('x')}x${input.tokens}`;
}
