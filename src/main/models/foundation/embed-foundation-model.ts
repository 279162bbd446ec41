/**
 * `ctvlm embed`: one volume and one text through an imported model (and an adapter), the image
 * and text embeddings out, so a conversion can be compared with the Python pipeline.
 *
 * The volume is read into canonical RAS and preprocessed with the model's preset (or --preset);
 * with `raw`, the file's voxels are taken as the model's input as they are stored (voxel (i, j, k)
 * is (X, Y, Z); no reorientation, no resampling, no intensity mapping): for a tensor saved from
 * the Python side, or the output of `ctvlm preprocess`. The text goes through the arch's own
 * preparation (Merlin: lower-case, word-punct tokens) and the model's tokenizer, truncated to
 * the arch's maximum (Merlin 1024, CT-CLIP 512 tokens).
 */
import path from 'node:path';
import type { FoundationArch } from '../../../shared/api/foundation-model-schemas';
import { UserError } from '../../../shared/errors';
import { tf } from '../../engine/tf';
import { loadTokenizer, type TextTokenizer } from '../../text/tokenizer';
import { preprocess } from '../../volumes/preprocess';
import { resolvePreset } from '../../volumes/presets';
import { readStoredVolume, readVolume } from '../../volumes/read-volume';
import { imageInput, maxTextLength, reportText } from './foundation-arch';
import { loadFoundationModel } from './load-foundation-model';
import { TOKENIZER_DIR } from './model-library';

export interface EmbedOptions {
  model: string;
  image: string;
  text: string;
  adapter?: string | undefined;
  /** A preset name or JSON file instead of the model's own. */
  preset?: string | undefined;
  /** Take the volume's voxels as the model's input, unchanged. */
  raw?: boolean | undefined;
  /** A tokenizer folder instead of the one imported with the model. */
  tokenizer?: string | undefined;
}

export interface EmbedResult {
  model: string;
  arch: FoundationArch;
  adapter: string | null;
  image: { file: string; preprocessing: string; dims: [number, number, number] };
  text: { input: string; prepared: string; ids: number[] };
  /** L2-normalised, as the arch returns them. */
  imageEmbedding: number[];
  textEmbedding: number[];
  cosine: number;
}

export async function embedWithFoundationModel(dataDir: string, options: EmbedOptions): Promise<EmbedResult> {
  const loaded = loadFoundationModel(dataDir, options.model, { adapter: options.adapter });
  try {
    const { library, model } = loaded;
    const arch = library.foundation.arch;
    const tokenizer = modelTokenizer(options.tokenizer, path.join(library.folder, TOKENIZER_DIR), library.id);
    if (tokenizer.vocabSize > library.foundation.config.text.vocabSize) {
      throw new UserError(
        'INVALID_INPUT',
        `The tokenizer in ${tokenizer.folder} has ${tokenizer.vocabSize} tokens but ${library.id} embeds only ${library.foundation.config.text.vocabSize}: use the model's own tokenizer.`,
      );
    }
    const prepared = reportText(arch, options.text);
    const ids = tokenizer.encode(prepared, maxTextLength(library.foundation));
    if (ids.length === 0) throw new UserError('INVALID_INPUT', 'The text gives no tokens: give a report sentence.');

    let data: Float32Array;
    let dims: [number, number, number];
    let preprocessing: string;
    if (options.raw) {
      const volume = await readStoredVolume(options.image);
      data = volume.data instanceof Float32Array ? volume.data : Float32Array.from(volume.data);
      dims = volume.dims;
      preprocessing = 'raw';
    } else {
      const preset = resolvePreset(options.preset ?? library.config.preset);
      const volume = preprocess(await readVolume(options.image), preset);
      data = volume.data;
      dims = volume.dims;
      preprocessing = preset.name;
    }

    const input = imageInput(library.foundation, data, dims, options.image);
    const idTensor = tf.tensor2d([ids], [1, ids.length], 'int32');
    const mask = tf.ones([1, ids.length], 'int32');
    try {
      const [image, text] = tf.tidy(() => [model.encodeImage(input), model.encodeText(idTensor, mask)]);
      const imageEmbedding = Array.from(await image.data());
      const textEmbedding = Array.from(await text.data());
      tf.dispose([image, text]);
      return {
        model: library.id,
        arch,
        adapter: loaded.adapter,
        image: { file: path.resolve(options.image), preprocessing, dims },
        text: { input: options.text, prepared, ids },
        imageEmbedding,
        textEmbedding,
        cosine: imageEmbedding.reduce((sum, value, i) => sum + value * (textEmbedding[i] ?? 0), 0),
      };
    } finally {
      tf.dispose([input, idTensor, mask]);
    }
  } finally {
    loaded.dispose();
  }
}

function modelTokenizer(override: string | undefined, imported: string, id: string): TextTokenizer {
  if (override) return loadTokenizer(path.resolve(override));
  try {
    return loadTokenizer(imported);
  } catch (error) {
    if (error instanceof UserError && error.message.startsWith('No tokenizer.json')) {
      throw new UserError(
        'INVALID_INPUT',
        `${id} was imported without its tokenizer: give the model's tokenizer folder with --tokenizer DIR (or import it again with --tokenizer).`,
        { cause: error },
      );
    }
    throw error;
  }
}
