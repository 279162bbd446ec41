/**
 * Wrap the Linear / Conv3d modules of a model whose dotted names match a spec in LoRA or
 * ConvLoRA, in place, and freeze everything else in that model.
 *
 * Name matching follows HF PEFT's `target_modules`: a string matches a module whose dotted name
 * equals it or ends with `.<string>` ("query" matches "encoder.layer.0.attention.self.query");
 * a RegExp must match the whole dotted name (PEFT uses re.fullmatch), so
 * /layer\d\.\d+\.conv[123]/ does not also match "layer1.0.conv1.base_layer".
 */
import { UserError } from '../../../shared/errors';
import { Conv3d } from '../layers/conv3d';
import { SeedSequence } from '../layers/init';
import { Linear } from '../layers/linear';
import type { Module } from '../module';
import { ConvLora3d } from './conv-lora-3d';
import { validateLoraHyperparameters, type LoraHyperparameters } from './lora-hyperparameters';
import { isLoraLayer } from './lora-layer';
import { LoraLinear } from './lora-linear';
import { loraParameterNames } from './lora-modules';

/** 'lora': Linear only; 'conv-lora': Conv3d only; 'auto': whichever each matched module is. */
export type LoraKind = 'lora' | 'conv-lora' | 'auto';

export interface LoraSpec extends LoraHyperparameters {
  targets: RegExp | readonly string[];
  kind: LoraKind;
  /** Seed for the lora_A initialisations and dropout masks (one derived seed per layer). */
  seed?: number;
  /** Parameters (by dotted name, searched anywhere in it) that stay trainable besides LoRA's. */
  keepTrainable?: RegExp;
}

export interface LoraApplication {
  /** Dotted names of the wrapped modules, in model order. */
  wrapped: string[];
  /** Trainable parameters in the model after wrapping and freezing. */
  trainableParameters: number;
}

/**
 * Wraps every match (all checks run before anything changes, so a refused spec leaves the model
 * as it was), then makes trainable exactly the LoRA factors of every wrapper in `model` (earlier
 * applications included) and the parameters `keepTrainable` matches; every other parameter in
 * `model` is frozen.
 */
export function applyLora(model: Module, spec: LoraSpec): LoraApplication {
  const hyperparameters = validateLoraHyperparameters(spec);
  const candidates = targetCandidates(model);
  const matched = matchTargets(candidates, spec.targets);
  const byName = new Map(model.namedModules());
  const plan = matched.map((name) => planWrap(name, byName, spec.kind));

  const seeds = new SeedSequence(spec.seed ?? 1);
  for (const { parent, childName, target } of plan) {
    const options = { ...hyperparameters, seed: seeds.take() };
    const wrapper = target instanceof Linear ? new LoraLinear(target, options) : new ConvLora3d(target, options);
    parent.replaceModule(childName, wrapper);
  }

  const trainable = loraParameterNames(model);
  const keep = spec.keepTrainable ? withoutStatefulFlags(spec.keepTrainable) : null;
  model.setTrainable((name) => trainable.has(name) || (keep?.test(name) ?? false));
  return { wrapped: matched, trainableParameters: model.parameterCount(true) };
}

/** Module names LoRA may target: not the root, nothing inside an existing wrapper. */
function targetCandidates(model: Module): Array<[string, Module]> {
  const wrappers = model
    .namedModules()
    .filter(([, module]) => isLoraLayer(module))
    .map(([name]) => name);
  return model
    .namedModules()
    .filter(([name]) => name !== '' && !wrappers.some((wrapper) => wrapper !== name && isInside(name, wrapper)));
}

function matchTargets(candidates: Array<[string, Module]>, targets: RegExp | readonly string[]): string[] {
  const names = candidates.map(([name]) => name);
  if (targets instanceof RegExp) {
    const whole = new RegExp(`^(?:${targets.source})$`, targets.flags.replace(/[gy]/g, ''));
    const found = names.filter((name) => whole.test(name));
    if (found.length === 0)
      throw new UserError('INVALID_INPUT', `The LoRA target pattern ${targets} matches no module.`);
    return found;
  }
  if (targets.length === 0) throw new UserError('INVALID_INPUT', 'No LoRA target modules were given.');
  for (const target of targets) {
    if (!names.some((name) => matchesSuffix(name, target))) {
      throw new UserError('INVALID_INPUT', `The LoRA target "${target}" matches no module.`);
    }
  }
  return names.filter((name) => targets.some((target) => matchesSuffix(name, target)));
}

interface WrapPlan {
  parent: Module;
  childName: string;
  target: Linear | Conv3d;
}

function planWrap(name: string, byName: ReadonlyMap<string, Module>, kind: LoraKind): WrapPlan {
  const target = byName.get(name);
  if (isLoraLayer(target)) throw new UserError('INVALID_INPUT', `${name} already has a LoRA adapter.`);
  const isLinear = target instanceof Linear;
  const isConv = target instanceof Conv3d;
  if (!isLinear && !isConv) {
    throw new UserError(
      'INVALID_INPUT',
      `${name} is a ${target?.constructor.name ?? 'missing module'}; LoRA wraps only Linear and Conv3d.`,
    );
  }
  if ((kind === 'lora' && !isLinear) || (kind === 'conv-lora' && !isConv)) {
    throw new UserError('INVALID_INPUT', `${name} is a ${target.constructor.name}, which ${kind} does not wrap.`);
  }
  const dot = name.lastIndexOf('.');
  const parentName = dot < 0 ? '' : name.slice(0, dot);
  const parent = byName.get(parentName);
  if (!parent) throw new UserError('INVALID_INPUT', `No parent module for ${name}.`);
  return { parent, childName: name.slice(dot + 1), target };
}

function matchesSuffix(name: string, target: string): boolean {
  return name === target || name.endsWith(`.${target}`);
}

function isInside(name: string, ancestor: string): boolean {
  return ancestor === '' || name.startsWith(`${ancestor}.`);
}

function withoutStatefulFlags(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}
