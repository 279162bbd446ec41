/**
 * Puts a training method on a freshly loaded model: wraps the LoRA / ConvLoRA layers the method
 * asks for, decides which parameters train, and sets the temperature's initial value. Every other
 * parameter is frozen.
 *
 * Merlin and CT-CLIP take the LoRA methods only (their runs write adapters): on Merlin, `peft` is
 * HCC-Merlin's preset (the default imageLora/textLora, with Merlin's `logit_scale` as the
 * temperature); on CT-CLIP, `peft` is MedCT-VLM's LoRA preset (medct-vlm-lora.ts), nothing else trained.
 */
import {
  DEFAULT_IMAGE_LORA,
  DEFAULT_TEXT_LORA,
  type LoraSettings,
  type RunConfig,
  type RunMethod,
} from '../../../shared/api/run-schemas';
import { UserError } from '../../../shared/errors';
import { applyLora, type LoraKind } from '../lora/apply-lora';
import { loraParameterNames } from '../lora/lora-modules';
import type { ContrastiveArch, ContrastiveModel } from '../models/contrastive-model';
import { MEDCT_VLM_TEXT_LORA, MEDCT_VLM_VISION_LORA } from '../models/ctclip/medct-vlm-lora';
import { tf } from '../tf';

/** HCC-Merlin trains the two projections and the temperature besides the adapters. */
export const PROJECTION_PARAMETERS =
  /^(temperature$|encode_image\.i3_resnet\.contrastive_head\.|encode_text\.linear_layer\.)/;

/** The same for Merlin, whose temperature is `logit_scale` (HCC_MERLIN_WHOLE_PARAMETERS). */
const MERLIN_PROJECTION_PARAMETERS =
  /^(logit_scale$|encode_image\.i3_resnet\.contrastive_head\.|encode_text\.linear_layer\.)/;

/** The methods each architecture takes: Merlin and CT-CLIP runs write adapters, so LoRA methods only. */
export const ARCH_METHODS: Readonly<Record<ContrastiveArch, readonly RunMethod[]>> = {
  ctvlm: ['peft', 'full', 'text-lora', 'image-conv-lora', 'projections', 'attention-lora'],
  merlin: ['peft', 'text-lora', 'image-conv-lora', 'attention-lora'],
  ctclip: ['peft', 'text-lora', 'attention-lora'],
};

/** Refuse a method (or LoRA settings) the base model's architecture cannot take, before any work. */
export function checkMethodFitsArch(arch: ContrastiveArch, config: RunConfig): void {
  const fail = (message: string): UserError => new UserError('RUN_CONFIG_INVALID', message);
  const methods = ARCH_METHODS[arch];
  if (!methods.includes(config.method)) {
    throw fail(
      `Method "${config.method}" does not fit the project's ${arch} base model: ${arch} runs train LoRA adapters ` +
        `(whole checkpoints of ${arch} are not written); use one of ${methods.join(', ')}.`,
    );
  }
  if (arch === 'ctclip' && config.method === 'peft') {
    const changed = (
      [
        ['imageLora', config.imageLora, DEFAULT_IMAGE_LORA],
        ['textLora', config.textLora, DEFAULT_TEXT_LORA],
      ] as const
    ).filter(([, given, preset]) => JSON.stringify(given) !== JSON.stringify(preset));
    if (changed.length > 0) {
      throw fail(
        `Method "peft" on a ctclip base model applies MedCT-VLM's LoRA preset (CTViT to_q/to_kv/to_out r=16 α=32; ` +
          `BERT query/key/value/dense r=8 α=16), so ${changed.map(([name]) => name).join(' and ')} cannot be set; ` +
          'use "text-lora" or "attention-lora" with your own settings.',
      );
    }
  }
}

export interface ConfiguredMethod {
  /** Wrapped module names (LoRA and ConvLoRA), in model order. */
  wrapped: string[];
  /** Trainable parameters that are not LoRA factors: what an adapter carries whole. */
  wholeParameters: string[];
  trainableParameters: number;
  totalParameters: number;
  /**
   * True when the run's checkpoints are adapters (the LoRA methods). `full` and `projections` (no
   * LoRA layer, so no PEFT adapter to write) write whole checkpoints.
   */
  adapterCheckpoints: boolean;
}

export function configureMethod(model: ContrastiveModel, config: RunConfig): ConfiguredMethod {
  checkMethodFitsArch(model.arch, config);
  const wrapped: string[] = [];
  const keepTrainable =
    model.arch === 'merlin'
      ? MERLIN_PROJECTION_PARAMETERS
      : model.arch === 'ctclip'
        ? undefined
        : PROJECTION_PARAMETERS;
  const lora = (settings: LoraSettings, kind: LoraKind, seed: number): void => {
    checkTargetsMatch(model, settings.targets);
    const result = applyLora(model, {
      targets: targetPattern(settings.targets),
      kind,
      rank: settings.rank,
      alpha: settings.alpha,
      dropout: settings.dropout,
      seed,
      ...(keepTrainable ? { keepTrainable } : {}),
    });
    wrapped.push(...result.wrapped);
  };
  switch (config.method) {
    case 'full':
      model.setTrainable(() => true);
      break;
    case 'projections':
      model.setTrainable((name) => PROJECTION_PARAMETERS.test(name));
      break;
    case 'peft':
      if (model.arch === 'ctclip') {
        // MedCT-VLM: LoRA on CTViT's attention and on BERT; nothing else trains.
        lora(MEDCT_VLM_VISION_LORA, 'lora', config.seed + 1);
        lora(MEDCT_VLM_TEXT_LORA, 'lora', config.seed + 2);
        break;
      }
      lora(config.imageLora, 'conv-lora', config.seed + 1);
      lora(config.textLora, 'lora', config.seed + 2);
      break;
    case 'image-conv-lora':
      lora(config.imageLora, 'conv-lora', config.seed + 1);
      break;
    case 'text-lora':
      lora(config.textLora, 'lora', config.seed + 2);
      break;
    case 'attention-lora':
      lora(config.attentionLora, 'lora', config.seed + 3);
      break;
  }
  if (config.temperature.init !== null) setTemperature(model, config.temperature.init);
  if (!config.temperature.learnable) model.temperature.trainable = false;

  const named = model.namedParameters();
  const loraNames = loraParameterNames(model);
  const trainable = named.filter(([, variable]) => variable.trainable);
  if (trainable.length === 0)
    throw new UserError('INVALID_INPUT', 'Nothing to train: the method leaves no trainable parameter.');
  return {
    wrapped,
    wholeParameters: trainable.map(([name]) => name).filter((name) => !loraNames.has(name)),
    trainableParameters: trainable.reduce((sum, [, variable]) => sum + variable.size, 0),
    totalParameters: named.reduce((sum, [, variable]) => sum + variable.size, 0),
    adapterCheckpoints: wrapped.length > 0,
  };
}

/** Sets τ (logits = cos / τ) in the model's own parametrisation: τ itself, or ln(1/τ) for exp. */
export function setTemperature(model: ContrastiveModel, tau: number): void {
  const raw = model.temperatureParametrisation === 'divide' ? tau : Math.log(1 / tau);
  const value = tf.scalar(raw);
  model.temperature.assign(value);
  value.dispose();
}

/** τ from the model's temperature parameter. */
export async function temperatureOf(model: ContrastiveModel): Promise<number> {
  const raw = (await model.temperature.data())[0] ?? NaN;
  return model.temperatureParametrisation === 'divide' ? raw : Math.exp(-raw);
}

/**
 * Every target must match some module, as applyLora checks for a list of names: joined into one
 * pattern, a misspelt target beside matching ones would otherwise be skipped without a word.
 */
function checkTargetsMatch(model: ContrastiveModel, targets: readonly string[]): void {
  const names = model.namedModules().map(([name]) => name);
  for (const target of targets) {
    const whole = new RegExp(`^(?:${targetPattern([target]).source})$`);
    if (!names.some((name) => whole.test(name))) {
      throw new UserError('INVALID_INPUT', `The LoRA target "${target}" matches no module of the model.`);
    }
  }
}

/** LoRA targets as one full-match pattern: "/regex/" entries as they are, names as "(any prefix.)name". */
export function targetPattern(targets: readonly string[]): RegExp {
  const parts = targets.map((target) => {
    const regex = /^\/(.+)\/$/.exec(target);
    if (regex?.[1]) {
      try {
        new RegExp(regex[1]);
      } catch (error) {
        throw new UserError(
          'INVALID_INPUT',
          `The LoRA target ${target} is not a valid regular expression: ${(error as Error).message}.`,
        );
      }
      return `(?:${regex[1]})`;
    }
    return `(?:.+\\.)?${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  });
  return new RegExp(parts.join('|'));
}
