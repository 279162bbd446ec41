/**
 * The small CT vision-language model: `encode_image.i3_resnet` (3D ResNet + contrastive_head),
 * `encode_text.text_encoder` (BERT-style) + `encode_text.linear_layer` on the first token, and a
 * learnable `temperature`: a raw divisor τ (HCC-Merlin: logits = cos / τ, never clamped) or a
 * log-scale t (CT-CLIP: logits = cos · exp(t)). Embeddings are L2-normalised.
 */
import { UserError } from '../../../../shared/errors';
import { Module } from '../../module';
import { tf, type Tensor, type Variable } from '../../tf';
import { Linear } from '../../layers/linear';
import { SeedSequence } from '../../layers/init';
import { l2Normalize } from '../../losses/embedding-similarity';
import { symmetricInfoNce } from '../../losses/info-nce';
import { expLogitScale, inverseTemperatureScale } from '../../losses/logit-scale';
import { BertEncoder } from './bert-encoder';
import { CtVlmConfigSchema, type CtVlmConfig, type CtVlmConfigInput } from './ctvlm-config';
import type { ContrastiveModel, TemperatureParametrisation } from '../contrastive-model';
import { I3ResNet } from './i3-resnet';
import { switchGradientCheckpointing } from '../../train/gradient-checkpoint';

class ImageTower extends Module {
  readonly i3_resnet: I3ResNet;

  constructor(config: CtVlmConfig, seed: number) {
    super();
    this.i3_resnet = this.registerModule('i3_resnet', new I3ResNet(config.image, config.embedDim, seed));
  }
}

class TextTower extends Module {
  readonly text_encoder: BertEncoder;

  constructor(config: CtVlmConfig, seed: number) {
    super();
    const seeds = new SeedSequence(seed);
    this.text_encoder = this.registerModule('text_encoder', new BertEncoder(config.text, seeds.take()));
    this.registerModule('linear_layer', new Linear(config.text.hiddenSize, config.embedDim, { seed: seeds.take() }));
  }

  apply(ids: Tensor, mask: Tensor): Tensor {
    return tf.tidy(() => {
      const hidden = this.text_encoder.apply(ids, mask);
      const first = tf.squeeze(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [1]);
      return this.layer('linear_layer').apply(first);
    });
  }
}

export class CtVlm extends Module implements ContrastiveModel {
  readonly arch = 'ctvlm' as const;
  readonly config: CtVlmConfig;
  private readonly encode_image: ImageTower;
  private readonly encode_text: TextTower;
  readonly temperature: Variable;

  constructor(config: CtVlmConfigInput) {
    super();
    this.config = CtVlmConfigSchema.parse(config);
    const seeds = new SeedSequence(this.config.seed);
    this.encode_image = this.registerModule('encode_image', new ImageTower(this.config, seeds.take()));
    this.encode_text = this.registerModule('encode_text', new TextTower(this.config, seeds.take()));
    const { parametrisation, init } = this.config.temperature;
    this.temperature = this.registerParameter(
      'temperature',
      tf.scalar(parametrisation === 'divide' ? init : Math.log(init)),
    );
  }

  get modelName(): string {
    return this.config.name;
  }

  get embedDim(): number {
    return this.config.embedDim;
  }

  get maxTextLength(): number {
    return this.config.text.maxLength;
  }

  get temperatureParametrisation(): TemperatureParametrisation {
    return this.config.temperature.parametrisation;
  }

  /** The workbench's volumes are this model's own input. */
  encodeVolumes(volumes: Tensor): Tensor {
    return this.encodeImage(volumes);
  }

  /** Reports are tokenized as they are. */
  prepareText(text: string): string {
    return text;
  }

  /** volumes: [N, D, H, W, C] -> L2-normalised [N, embedDim]. */
  encodeImage(volumes: Tensor): Tensor {
    return tf.tidy(() => l2Normalize(this.encode_image.i3_resnet.apply(volumes)));
  }

  /** The image encoder's last convolutional block, [N, d, h, w, C] (for Grad-CAM). */
  imageFeatures(volumes: Tensor): Tensor {
    return this.encode_image.i3_resnet.features(volumes);
  }

  /** L2-normalised embedding from imageFeatures' output: encodeImage(v) = embedImageFeatures(imageFeatures(v)). */
  embedImageFeatures(features: Tensor): Tensor {
    return tf.tidy(() => l2Normalize(this.encode_image.i3_resnet.embedFeatures(features)));
  }

  /** The image encoder's stem and first `stages` stages (see I3ResNet.prefix). */
  imagePrefix(volumes: Tensor, stages: number): Tensor {
    return this.encode_image.i3_resnet.prefix(volumes, stages);
  }

  /** L2-normalised embedding from imagePrefix(volumes, stages): encodeImage(v) = encodeImageFrom(imagePrefix(v, k), k). */
  encodeImageFrom(prefix: Tensor, stages: number): Tensor {
    return tf.tidy(() => this.embedImageFeatures(this.encode_image.i3_resnet.featuresFrom(prefix, stages)));
  }

  /** ids: int32 [B, T], mask: [B, T] -> L2-normalised [B, embedDim]. */
  encodeText(ids: Tensor, mask: Tensor): Tensor {
    return tf.tidy(() => l2Normalize(this.encode_text.apply(ids, mask)));
  }

  /** The factor that multiplies cosine similarities. */
  logitScale(): tf.Scalar {
    return this.config.temperature.parametrisation === 'divide'
      ? inverseTemperatureScale(this.temperature)
      : expLogitScale(this.temperature);
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

  /** See ContrastiveModel.setGradientCheckpointing: the image and text towers' block loops. */
  setGradientCheckpointing(on: boolean): void {
    switchGradientCheckpointing(this, on);
  }

  /** Symmetric InfoNCE of a batch of (volume, report) pairs. */
  contrastiveLoss(volumes: Tensor, ids: Tensor, mask: Tensor): tf.Scalar {
    return tf.tidy(() => symmetricInfoNce(this.encodeImage(volumes), this.encodeText(ids, mask), this.logitScale()));
  }
}
