/**
 * What differs between the two published architectures, in one place: the tensors a checkpoint
 * must hold (from the config alone, nothing allocated), how to build the model, its
 * preprocessing preset and input layout, and how its reports are turned into text.
 */
import type { FoundationArch } from '../../../shared/api/foundation-model-schemas';
import { UserError } from '../../../shared/errors';
import type { ExpectedTensor } from '../../engine/io/state-dict-check';
import { CtClip } from '../../engine/models/ctclip/ct-clip';
import { countParameters as countCtClip, ctClipTensorShapes } from '../../engine/models/ctclip/ctclip-parameter-shapes';
import { Merlin } from '../../engine/models/merlin/merlin';
import { countParameters as countMerlin, merlinTensorShapes } from '../../engine/models/merlin/merlin-parameter-shapes';
import type { Module } from '../../engine/module';
import { tf, type Tensor } from '../../engine/tf';
import { merlinReportText } from '../../text/tokenizer';
import type { FoundationConfig } from './foundation-config';

/** A built model, whichever the arch: both return L2-normalised embeddings. */
export interface FoundationModel {
  readonly module: Module;
  /** The model's own input tensor -> [B, latent]. */
  encodeImage(input: Tensor): Tensor;
  /** ids int32 [B, T], mask [B, T] -> [B, latent]. */
  encodeText(ids: Tensor, mask: Tensor): Tensor;
}

/** The preprocessing preset each arch was trained with (src/main/volumes/presets.ts). */
export const ARCH_PRESETS: Readonly<Record<FoundationArch, string>> = { merlin: 'merlin', ctclip: 'ctclip' };

/**
 * The voxel order the model reads, as a preset's layout.axes (slowest first, C omitted): Merlin
 * takes (B, 1, X, Y, Z), Z fastest; CT-CLIP's CTViT (B, Z, X, Y, C), Y fastest. The presets
 * declare the same (MERLIN_PRESET.layout.axes 'CXYZ', CTCLIP_PRESET.layout.axes 'CZXY').
 */
export const ARCH_AXES: Readonly<Record<FoundationArch, 'XYZ' | 'ZXY'>> = { merlin: 'XYZ', ctclip: 'ZXY' };

export function expectedTensors(foundation: FoundationConfig): ExpectedTensor[] {
  const shapes =
    foundation.arch === 'ctclip' ? ctClipTensorShapes(foundation.config) : merlinTensorShapes(foundation.config);
  return shapes.map(({ name, shape }) => ({ name, shape }));
}

export function parameterCount(foundation: FoundationConfig): number {
  return foundation.arch === 'ctclip'
    ? countCtClip(ctClipTensorShapes(foundation.config))
    : countMerlin(merlinTensorShapes(foundation.config));
}

/** Longest tokenised report the model reads. */
export function maxTextLength(foundation: FoundationConfig): number {
  const text = foundation.config.text;
  return foundation.arch === 'ctclip'
    ? (foundation.config.text.maxLength ?? text.maxPositions)
    : foundation.config.text.maxLength;
}

/** A report as the arch's own code prepares it before its tokenizer (Merlin: lower-case, word-punct tokens). */
export function reportText(arch: FoundationArch, text: string): string {
  return arch === 'merlin' ? merlinReportText(text) : text;
}

export function buildFoundationModel(foundation: FoundationConfig): FoundationModel {
  if (foundation.arch === 'ctclip') {
    const model = new CtClip(foundation.config);
    return {
      module: model,
      encodeImage: (input) => model.encodeImage(input),
      encodeText: (ids, mask) => model.encodeText(ids, mask),
    };
  }
  const model = new Merlin(foundation.config);
  return {
    module: model,
    encodeImage: (input) => model.encodeImage(input),
    encodeText: (ids, mask) => model.encodeText(ids, mask),
  };
}

/**
 * A volume (x fastest, as every Volume and preprocessed array) as the model's input tensor,
 * after checking its size fits the model.
 */
export function imageInput(
  foundation: FoundationConfig,
  data: Float32Array,
  dims: readonly [number, number, number],
  where: string,
): Tensor {
  const [nx, ny, nz] = dims;
  if (foundation.arch === 'ctclip') {
    const { imageSize, temporalPatchSize, channels } = foundation.config.image;
    if (nx !== imageSize || ny !== imageSize || nz % temporalPatchSize !== 0 || channels !== 1) {
      throw new UserError(
        'VOLUME_INVALID',
        `${where} is ${nx}x${ny}x${nz} voxels, but ${foundation.config.name} reads ${imageSize}x${imageSize} slices, a ` +
          `multiple of ${temporalPatchSize} of them, one channel: preprocess with the preset the model was trained with.`,
      );
    }
  }
  const ordered = reorder(data, dims, ARCH_AXES[foundation.arch]);
  return foundation.arch === 'ctclip' ? tf.tensor(ordered, [1, nz, nx, ny, 1]) : tf.tensor(ordered, [1, 1, nx, ny, nz]);
}

/** x-fastest voxels -> row-major in `axes` order (slowest first). */
function reorder(data: Float32Array, dims: readonly [number, number, number], axes: 'XYZ' | 'ZXY'): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(data.length);
  let n = 0;
  if (axes === 'XYZ') {
    for (let x = 0; x < nx; x += 1)
      for (let y = 0; y < ny; y += 1) for (let z = 0; z < nz; z += 1) out[n++] = data[x + nx * (y + ny * z)] ?? 0;
  } else {
    for (let z = 0; z < nz; z += 1)
      for (let x = 0; x < nx; x += 1) for (let y = 0; y < ny; y += 1) out[n++] = data[x + nx * (y + ny * z)] ?? 0;
  }
  return out;
}
