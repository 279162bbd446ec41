/**
 * What training, validation, evaluation, Grad-CAM and adapters need from a CT vision-language
 * model, whichever its architecture: the small CtVlm family, Merlin or CT-CLIP. Each is a Module
 * whose dotted names are its reference checkpoint's state-dict keys (LoRA wraps layers in place,
 * adapters and state dicts use these names).
 *
 * Images come in the workbench's layout: a batch of preprocessed volumes [N, Z, Y, X, 1], x
 * fastest (engine/eval/encode-batches.ts volumeBatch); each model turns it into its own input
 * (Merlin [B, Z, X, Y, 3]; CT-CLIP [B, Z, X, Y, 1]). Embeddings are L2-normalised.
 */
import type { Module } from '../module';
import type { tf, Tensor, Variable } from '../tf';

export type ContrastiveArch = 'ctvlm' | 'merlin' | 'ctclip';

/**
 * How the temperature parameter t makes logits from cosines: `divide`, logits = cos / t
 * (HCC-Merlin; Merlin's stored `logit_scale`), or `exp`, logits = cos · exp(t) (CT-CLIP).
 */
export type TemperatureParametrisation = 'divide' | 'exp';

export interface ContrastiveModel extends Module {
  readonly arch: ContrastiveArch;
  /** The config's name, for messages. */
  readonly modelName: string;
  /** Length of an image or text embedding. */
  readonly embedDim: number;
  /** Longest tokenised text the model reads. */
  readonly maxTextLength: number;
  /** The learnable temperature (CtVlm, CT-CLIP: `temperature`; Merlin: `logit_scale`). */
  readonly temperature: Variable;
  readonly temperatureParametrisation: TemperatureParametrisation;

  /** volumes [N, Z, Y, X, 1] (the workbench's layout) -> L2-normalised [N, embedDim]. */
  encodeVolumes(volumes: Tensor): Tensor;
  /** ids int32 [B, T], mask [B, T] (1 token, 0 padding) -> L2-normalised [B, embedDim]. */
  encodeText(ids: Tensor, mask: Tensor): Tensor;
  /** A report as the architecture's own code prepares it before the tokenizer. */
  prepareText(text: string): string;
  /** The factor that multiplies cosine similarities. */
  logitScale(): tf.Scalar;

  /**
   * The Grad-CAM target's activations for volumes [N, Z, Y, X, 1], as a grid [N, d, h, w, C] along
   * (z, y, x) like the input: the I3ResNet's layer4 (CtVlm, Merlin) or CTViT's encoded tokens (CT-CLIP).
   */
  imageFeatures(volumes: Tensor): Tensor;
  /** L2-normalised embedding from imageFeatures' output: encodeVolumes(v) = embedImageFeatures(imageFeatures(v)). */
  embedImageFeatures(features: Tensor): Tensor;

  /** Refuse a tokenizer whose ids would fall outside this model's token embedding. */
  assertTokenizerFits(tokenizerVocabSize: number): void;

  /**
   * Gradient checkpointing (off by default): while gradients are recorded, each image and text
   * block (ResNet bottleneck, transformer layer) keeps only its inputs for the backward and runs
   * its forward again there, for less memory at about one more forward's compute. Same gradients.
   */
  setGradientCheckpointing(on: boolean): void;
}
