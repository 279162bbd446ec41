/**
 * CT-CLIP (CT_CLIP/ct_clip/ct_clip.py as the released model is built) with the reference's
 * member names, so CT-CLIP_v2.pt's state dict maps key for key (after dropping its stale
 * `text_transformer.embeddings.position_ids`, see ctclip-checkpoint-keys.ts):
 *
 * - `visual_transformer`: CTViT; its quantised tokens [N, t, h, w, dim] are averaged over t (the
 *   axial axis), flattened (h, w, dim) and projected by `to_visual_latent` (Linear, no bias).
 * - `text_transformer`: BERT; the first token's last hidden state through `to_text_latent`.
 * - `temperature`: t, logits = cos · exp(t).
 * - `to_text_latent_extra`, `to_visual_latent_extra`: CT-CLIP always creates these copies (used
 *   only with extra_latent_projection, off in the released model); saved, never run here.
 */
import { UserError } from '../../../../shared/errors';
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { l2Normalize } from '../../losses/embedding-similarity';
import { expLogitScale } from '../../losses/logit-scale';
import { Module } from '../../module';
import type { ContrastiveModel } from '../contrastive-model';
import { swapInPlaneAxes } from '../in-plane-axes';
import { tf, type Tensor, type Variable } from '../../tf';
import { CtClipConfigSchema, visualLatentInputSize, type CtClipConfig, type CtClipConfigInput } from './ctclip-config';
import { CtVit } from './ctvit';
import { CxrBertModel, firstToken } from './cxr-bert';
import { switchGradientCheckpointing } from '../../train/gradient-checkpoint';

export class CtClip extends Module implements ContrastiveModel {
  readonly arch = 'ctclip' as const;
  /** logits = cos · exp(temperature). */
  readonly temperatureParametrisation = 'exp' as const;
  readonly config: CtClipConfig;
  readonly text_transformer: CxrBertModel;
  readonly visual_transformer: CtVit;
  readonly temperature: Variable;

  constructor(config: CtClipConfigInput) {
    super();
    this.config = CtClipConfigSchema.parse(config);
    const seeds = new SeedSequence(this.config.seed);
    const { image, text, latentDim } = this.config;
    const imageDim = visualLatentInputSize(image);
    this.text_transformer = this.registerModule('text_transformer', new CxrBertModel(text, seeds.take()));
    this.visual_transformer = this.registerModule('visual_transformer', new CtVit(image, seeds.take()));
    this.registerModule('to_text_latent', new Linear(text.hiddenSize, latentDim, { bias: false, seed: seeds.take() }));
    this.registerModule('to_visual_latent', new Linear(imageDim, latentDim, { bias: false, seed: seeds.take() }));
    this.temperature = this.registerParameter('temperature', tf.scalar(this.config.temperatureInit));
    this.registerModule(
      'to_text_latent_extra',
      new Linear(text.hiddenSize, latentDim, { bias: false, seed: seeds.take() }),
    );
    this.registerModule('to_visual_latent_extra', new Linear(imageDim, latentDim, { bias: false, seed: seeds.take() }));
  }

  get modelName(): string {
    return this.config.name;
  }

  get embedDim(): number {
    return this.config.latentDim;
  }

  get maxTextLength(): number {
    return this.config.text.maxLength ?? this.config.text.maxPositions;
  }

  /** Workbench volumes [N, Z, Y, X, 1] -> CT-CLIP's [N, Z, X, Y, 1] -> L2-normalised latents. */
  encodeVolumes(volumes: Tensor): Tensor {
    return tf.tidy(() => this.encodeImage(swapInPlaneAxes(volumes)));
  }

  /**
   * CTViT's encoded (quantised) tokens for workbench volumes, as a grid along (z, y, x):
   * [N, Z/temporalPatch, Y/patch, X/patch, dim] (Grad-CAM's target).
   */
  imageFeatures(volumes: Tensor): Tensor {
    return tf.tidy(() => swapInPlaneAxes(this.visual_transformer.apply(swapInPlaneAxes(volumes))));
  }

  embedImageFeatures(features: Tensor): Tensor {
    return tf.tidy(() => this.embedImageTokens(swapInPlaneAxes(features)));
  }

  /** CT-CLIP tokenizes reports as they are. */
  prepareText(text: string): string {
    return text;
  }

  /** Volumes [N, D, H, W, C] -> L2-normalised image latents [N, latentDim]. */
  encodeImage(volumes: Tensor): Tensor {
    return tf.tidy(() => this.embedImageTokens(this.visual_transformer.apply(volumes)));
  }

  /** Quantised CTViT tokens [N, t, h, w, dim] -> L2-normalised latents: mean over t, flatten, project. */
  embedImageTokens(tokens: Tensor): Tensor {
    return tf.tidy(() => {
      const pooled = tf.mean(tokens, 1);
      const flat = tf.reshape(pooled, [tokens.shape[0] ?? -1, -1]);
      return l2Normalize(this.layer('to_visual_latent').apply(flat));
    });
  }

  /** ids: int32 [B, T], mask: [B, T] (1 token, 0 padding) -> L2-normalised text latents [B, latentDim]. */
  encodeText(ids: Tensor, mask: Tensor): Tensor {
    return tf.tidy(() => {
      const hidden = this.text_transformer.apply(ids, mask);
      return l2Normalize(this.layer('to_text_latent').apply(firstToken(hidden)));
    });
  }

  /** See ContrastiveModel.setGradientCheckpointing: the image and text towers' block loops. */
  setGradientCheckpointing(on: boolean): void {
    switchGradientCheckpointing(this, on);
  }

  /** exp(t): the factor that multiplies cosine similarities. */
  logitScale(): tf.Scalar {
    return expLogitScale(this.temperature);
  }

  /** [images, texts] = cos · exp(t); its diagonal is what CT-CLIP's forward returns for paired batches. */
  logits(imageLatents: Tensor, textLatents: Tensor): Tensor {
    return tf.tidy(() => tf.mul(tf.matMul(imageLatents, textLatents, false, true), this.logitScale()));
  }

  /** Refuse a tokenizer whose ids would fall outside this model's token embedding. */
  assertTokenizerFits(tokenizerVocabSize: number): void {
    if (tokenizerVocabSize > this.config.text.vocabSize) {
      throw new UserError(
        'INVALID_INPUT',
        `The tokenizer has ${tokenizerVocabSize} tokens but ${this.config.name} embeds only ${this.config.text.vocabSize}: use the model's own tokenizer.`,
      );
    }
  }
}
