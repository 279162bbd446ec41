/**
 * Puts a training method on a freshly loaded model: wraps the LoRA / ConvLoRA layers the method
 * asks for, decides which parameters train, and sets the temperature's initial value. Every other
 * parameter is frozen.
 */
import type { LoraSettings, RunConfig } from '../../../shared/api/run-schemas';
import { UserError } from '../../../shared/errors';
import { applyLora, type LoraKind } from '../lora/apply-lora';
import { loraParameterNames } from '../lora/lora-modules';
import type { CtVlm } from '../models/ctvlm/ct-vlm';
import { tf } from '../tf';

/** HCC-Merlin trains the two projections and the temperature besides the adapters. */
export const PROJECTION_PARAMETERS =
  /^(temperature$|encode_image\.i3_resnet\.contrastive_head\.|encode_text\.linear_layer\.)/;

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

export function configureMethod(model: CtVlm, config: RunConfig): ConfiguredMethod {
  const wrapped: string[] = [];
  const lora = (settings: LoraSettings, kind: LoraKind, seed: number): void => {
    checkTargetsMatch(model, settings.targets);
    const result = applyLora(model, {
      targets: targetPattern(settings.targets),
      kind,
      rank: settings.rank,
      alpha: settings.alpha,
      dropout: settings.dropout,
      seed,
      keepTrainable: PROJECTION_PARAMETERS,
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
export function setTemperature(model: CtVlm, tau: number): void {
  const raw = model.config.temperature.parametrisation === 'divide' ? tau : Math.log(1 / tau);
  const value = tf.scalar(raw);
  model.temperature.assign(value);
  value.dispose();
}

/** τ from the model's temperature parameter. */
export async function temperatureOf(model: CtVlm): Promise<number> {
  const raw = (await model.temperature.data())[0] ?? NaN;
  return model.config.temperature.parametrisation === 'divide' ? raw : Math.exp(-raw);
}

/**
 * Every target must match some module, as applyLora checks for a list of names: joined into one
 * pattern, a misspelt target beside matching ones would otherwise be skipped without a word.
 */
function checkTargetsMatch(model: CtVlm, targets: readonly string[]): void {
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
