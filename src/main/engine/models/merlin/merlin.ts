/**
 * Merlin's MerlinArchitecture with its state-dict names: `encode_image.i3_resnet.*` (I3ResNet-152
 * with contrastive_head and classifier), `encode_text.text_encoder.*` (Clinical-Longformer),
 * `encode_text.linear_layer` (on the first token's last hidden state) and `logit_scale`, which
 * Merlin stores but never uses (HCC-Merlin trains it as its temperature; see hcc-merlin-peft.ts).
 * Image and text embeddings are L2-normalised, as MerlinArchitecture.forward returns them.
 */
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { l2Normalize } from '../../losses/embedding-similarity';
import { inverseTemperatureScale } from '../../losses/logit-scale';
import { Module } from '../../module';
import { tf, type Tensor, type Variable } from '../../tf';
import { UserError } from '../../../../shared/errors';
import { merlinReportText } from '../../../text/tokenizer';
import type { ContrastiveModel } from '../contrastive-model';
import { swapInPlaneAxes } from '../in-plane-axes';
import { LongformerModel } from './longformer-model';
import { MerlinConfigSchema, type MerlinConfig, type MerlinConfigInput } from './merlin-config';
import { MerlinI3ResNet } from './merlin-i3-resnet';
import { canonicalVolumeToMerlinNdhwc } from './merlin-volume-layout';
import { switchGradientCheckpointing } from '../../train/gradient-checkpoint';

class ImageEncoder extends Module {
  readonly i3_resnet: MerlinI3ResNet;

  constructor(config: MerlinConfig, seed: number) {
    super();
    this.i3_resnet = this.registerModule('i3_resnet', new MerlinI3ResNet(config.image, config.embedDim, seed));
  }
}

class TextEncoder extends Module {
  readonly text_encoder: LongformerModel;

  constructor(config: MerlinConfig, seed: number) {
    super();
    const seeds = new SeedSequence(seed);
    this.text_encoder = this.registerModule('text_encoder', new LongformerModel(config.text, seeds.take()));
    this.registerModule('linear_layer', new Linear(config.text.hiddenSize, config.embedDim, { seed: seeds.take() }));
  }

  /** ids int32 [B, T], mask [B, T] -> [B, embedDim] (not normalised). */
  apply(ids: Tensor, mask: Tensor): Tensor {
    return tf.tidy(() => {
      const hidden = this.text_encoder.apply(ids, mask);
      const first = tf.squeeze(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [1]);
      return this.layer('linear_layer').apply(first);
    });
  }
}

export class Merlin extends Module implements ContrastiveModel {
  readonly arch = 'merlin' as const;
  /** HCC-Merlin's temperature lives in logit_scale: logits = cos / logit_scale. */
  readonly temperatureParametrisation = 'divide' as const;
  readonly config: MerlinConfig;
  readonly encode_image: ImageEncoder;
  readonly encode_text: TextEncoder;
  readonly logit_scale: Variable;

  constructor(config: MerlinConfigInput) {
    super();
    this.config = MerlinConfigSchema.parse(config);
    const seeds = new SeedSequence(this.config.seed);
    this.encode_image = this.registerModule('encode_image', new ImageEncoder(this.config, seeds.take()));
    this.encode_text = this.registerModule('encode_text', new TextEncoder(this.config, seeds.take()));
    this.logit_scale = this.registerParameter('logit_scale', tf.scalar(1));
  }

  /** volume [B, 1, X, Y, Z] (Merlin's layout) -> L2-normalised [B, embedDim]. */
  encodeImage(volume: Tensor): Tensor {
    return tf.tidy(() => l2Normalize(this.encode_image.i3_resnet.embedVolume(volume)));
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

  /** The temperature HCC-Merlin trains (see hcc-merlin-peft.ts). */
  get temperature(): Variable {
    return this.logit_scale;
  }

  /** Workbench volumes [N, Z, Y, X, 1] -> L2-normalised [N, embedDim] (same as encodeImage of (B, 1, X, Y, Z)). */
  encodeVolumes(volumes: Tensor): Tensor {
    return tf.tidy(() => l2Normalize(this.encode_image.i3_resnet.apply(canonicalVolumeToMerlinNdhwc(volumes))));
  }

  /** layer4's output for workbench volumes, as a grid along (z, y, x): [N, Z/16, Y/32, X/32, C]. */
  imageFeatures(volumes: Tensor): Tensor {
    return tf.tidy(() => swapInPlaneAxes(this.encode_image.i3_resnet.features(canonicalVolumeToMerlinNdhwc(volumes))));
  }

  embedImageFeatures(features: Tensor): Tensor {
    return tf.tidy(() => l2Normalize(this.encode_image.i3_resnet.embedFeatures(swapInPlaneAxes(features))));
  }

  /** Merlin's own text preparation: lower-case, word and punctuation tokens. */
  prepareText(text: string): string {
    return merlinReportText(text);
  }

  /** 1 / logit_scale's τ: logits = cos / τ (HCC-Merlin). */
  logitScale(): tf.Scalar {
    return inverseTemperatureScale(this.logit_scale);
  }

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

  /** volume [B, 1, X, Y, Z] -> phecode logits [B, classes] (Merlin's ehr output). */
  classifyImage(volume: Tensor): Tensor {
    return this.encode_image.i3_resnet.classify(volume);
  }

  /** ids int32 [B, T], mask [B, T] (1 token, 0 padding) -> L2-normalised [B, embedDim]. */
  encodeText(ids: Tensor, mask: Tensor): Tensor {
    return tf.tidy(() => l2Normalize(this.encode_text.apply(ids, mask)));
  }
}
