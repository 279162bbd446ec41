/**
 * Image-side inputs of training and validation batches. Volumes come through the project's volume
 * cache (preprocessed with the model's preset), are augmented when the run asks for it (seeded by
 * run seed, epoch and study), and, when the image encoder's stem and first stages are frozen and no
 * augmentation is on, their frozen-prefix outputs are computed once per study and kept: a step then
 * runs only the stages that train. The model computes the same function either way
 * (encodeImage(v) = encodeImageFrom(imagePrefix(v, k), k)).
 */
import { BugError } from '../../shared/errors';
import { volumeBatch } from '../engine/eval/encode-batches';
import type { ContrastiveModel } from '../engine/models/contrastive-model';
import { CtVlm } from '../engine/models/ctvlm/ct-vlm';
import { tf, type Tensor } from '../engine/tf';
import { preprocessedStudy, projectVolumeCache } from '../evaluation/study-volumes';
import type { EvaluationStudy } from '../store/repositories/evaluation-study-repository';
import type { Project } from '../store/project-store';
import { applyAugmentation, defaultAugmentationConfig, sampleAugmentationAt } from '../volumes/augment';
import type { Preset } from '../volumes/preset-schema';
import type { VolumeCache } from '../volumes/volume-cache';

/** Frozen-prefix outputs are kept only while they fit in this many bytes. */
export const PREFIX_CACHE_BUDGET_BYTES = 1024 ** 3;

const STEM = /^encode_image\.i3_resnet\.(conv1|bn1)\./;

/**
 * How many of layer1..layer4 run before the first trainable image parameter, or null when the
 * stem itself trains (nothing to cache).
 */
export function frozenImageStages(model: CtVlm): number | null {
  const trainable = model
    .namedParameters()
    .filter(([, variable]) => variable.trainable)
    .map(([name]) => name);
  if (trainable.some((name) => STEM.test(name))) return null;
  for (let stage = 1; stage <= 4; stage += 1) {
    if (trainable.some((name) => name.startsWith(`encode_image.i3_resnet.layer${stage}.`))) return stage - 1;
  }
  return 4;
}

export class ImageInputs {
  private readonly cache: VolumeCache;
  private readonly prefixes = new Map<number, Tensor>();
  private prefixBytes = 0;
  /** Stages whose outputs are cached; null: every step runs the whole encoder. */
  readonly cachedStages: number | null;

  constructor(
    private readonly project: Project,
    private readonly model: ContrastiveModel,
    private readonly preset: Preset,
    private readonly options: { augment: boolean; seed: number },
  ) {
    this.cache = projectVolumeCache(project);
    this.cachedStages = options.augment || !(model instanceof CtVlm) ? null : frozenImageStages(model);
  }

  /**
   * L2-normalised image embeddings of these studies, built from the model's current weights (call
   * inside a gradient scope to train through them). `position` seeds augmentation.
   */
  async prepare(
    studies: readonly EvaluationStudy[],
    position: { epoch: number; indices: readonly number[] } | null,
  ): Promise<{ embed: () => Tensor; dispose: () => void }> {
    if (this.cachedStages !== null) {
      const stages = this.cachedStages;
      const parts = [];
      for (const study of studies) parts.push(await this.prefixOf(study, stages));
      const input = tf.concat(
        parts.map((part) => part.tensor),
        0,
      );
      for (const part of parts) if (part.transient) part.tensor.dispose();
      const model = this.prefixModel();
      return { embed: () => model.encodeImageFrom(input, stages), dispose: () => input.dispose() };
    }
    const volumes = [];
    for (const [row, study] of studies.entries()) {
      const volume = await preprocessedStudy(this.project, this.cache, study, this.preset);
      if (this.options.augment && position) {
        const params = sampleAugmentationAt(
          { seed: this.options.seed, epoch: position.epoch, index: position.indices[row] ?? row },
          defaultAugmentationConfig(),
        );
        volumes.push(
          applyAugmentation({ data: volume.data, dims: volume.dims, spacingMm: this.preset.spacing.mm }, params).data,
        );
      } else {
        volumes.push(volume.data);
      }
    }
    const input = volumeBatch(volumes, this.preset.output.size);
    return { embed: () => this.model.encodeVolumes(input), dispose: () => input.dispose() };
  }

  /** Frozen-prefix caching is offered for the CtVlm family only (cachedStages is null otherwise). */
  private prefixModel(): CtVlm {
    if (this.model instanceof CtVlm) return this.model;
    throw new BugError(`No frozen-prefix cache for a ${this.model.arch} model.`);
  }

  dispose(): void {
    for (const tensor of this.prefixes.values()) tensor.dispose();
    this.prefixes.clear();
  }

  private async prefixOf(study: EvaluationStudy, stages: number): Promise<{ tensor: Tensor; transient: boolean }> {
    const kept = this.prefixes.get(study.id);
    if (kept) return { tensor: kept, transient: false };
    const volume = await preprocessedStudy(this.project, this.cache, study, this.preset);
    const model = this.prefixModel();
    const prefix = tf.tidy(() => model.imagePrefix(volumeBatch([volume.data], this.preset.output.size), stages));
    if (this.prefixBytes + prefix.size * 4 <= PREFIX_CACHE_BUDGET_BYTES) {
      this.prefixes.set(study.id, prefix);
      this.prefixBytes += prefix.size * 4;
      return { tensor: prefix, transient: false };
    }
    // Over budget: used for this batch only (recomputed next time).
    return { tensor: prefix, transient: true };
  }
}
