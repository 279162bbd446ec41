/**
 * Refuse an adapter that does not belong to a base model: a different checkpoint (sha256), a
 * layer the base model does not have or that target_modules does not name, or LoRA factors whose
 * shapes do not fit the layer (Linear weight [out, in]: A [r, in], B [out, r]; Conv3d weight
 * [out, in, kd, kh, kw]: A [r, in, kd, kh, kw], B [out, r, 1, 1, 1]; r is the layer's own rank,
 * rank_pattern or r), or a saved parameter (ctvlm.saved_parameters) the base model does not
 * have or has in another shape.
 */
import { UserError } from '../../../shared/errors';
import { rankOf, type AdapterConfig } from './adapter-config';
import { loraPairs } from './adapter-structure';
import type { Adapter } from './adapter-types';
import { savedParameterKey } from './peft-keys';

export interface BaseModelDescription {
  modelId: string;
  /** sha256 of the checkpoint file (see sha256-file.ts). */
  sha256: string;
  /** State-dict key ("layer1.0.conv1.weight") to shape. */
  shapes: ReadonlyMap<string, readonly number[]>;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** PEFT's matching: a list matches a module whose path is, or ends with ".", an entry; a string is a full-match regex. */
function isTargeted(config: AdapterConfig, modulePath: string): boolean {
  const targets = config.target_modules;
  if (typeof targets === 'string') {
    try {
      return new RegExp(`^(?:${targets})$`, 'u').test(modulePath);
    } catch {
      return false;
    }
  }
  return targets.some((target) => modulePath === target || modulePath.endsWith(`.${target}`));
}

export function checkAdapterAgainstBase(adapter: Adapter, base: BaseModelDescription): void {
  const name = adapter.source ?? adapter.config.base_model_name_or_path;
  const fail = (problem: string): UserError =>
    new UserError('INVALID_INPUT', `Adapter ${name} does not fit base model ${base.modelId}: ${problem}.`);

  const expectedHash = adapter.config.ctvlm.base_model_sha256;
  if (expectedHash !== base.sha256.toLowerCase()) {
    throw fail(
      `it was trained on a checkpoint with sha256 ${expectedHash} (${adapter.config.base_model_name_or_path}), but this checkpoint's sha256 is ${base.sha256.toLowerCase()}. Load the base model the adapter was trained on`,
    );
  }
  for (const parameter of adapter.config.ctvlm.saved_parameters ?? []) {
    const expected = base.shapes.get(parameter);
    const tensor = adapter.tensors.get(savedParameterKey(parameter));
    if (!expected) throw fail(`it carries parameter ${parameter}, which the base model does not have`);
    if (tensor && !sameShape(tensor.shape, expected)) {
      throw fail(`its ${parameter} is ${shapeText(tensor.shape)}, but the base model's is ${shapeText(expected)}`);
    }
  }
  for (const { modulePath, a, b } of loraPairs(adapter.config, adapter.tensors, name)) {
    const r = rankOf(adapter.config, modulePath);
    if (!isTargeted(adapter.config, modulePath)) {
      throw fail(`layer ${modulePath} is not named by target_modules ${JSON.stringify(adapter.config.target_modules)}`);
    }
    const weightKey = `${modulePath}.weight`;
    const weight = base.shapes.get(weightKey);
    if (!weight) throw fail(`it adapts layer ${modulePath}, but the base model has no ${weightKey}`);
    let expectedA: number[];
    let expectedB: number[];
    if (weight.length === 2 && a.shape.length === 2) {
      const [out = 0, inputs = 0] = weight;
      expectedA = [r, inputs];
      expectedB = [out, r];
    } else if (weight.length === 5 && a.shape.length === 5) {
      const [out = 0, inputs = 0, ...kernel] = weight;
      expectedA = [r, inputs, ...kernel];
      expectedB = [out, r, 1, 1, 1];
    } else {
      throw fail(
        `layer ${modulePath} has a ${weight.length}-D weight ${shapeText(weight)} but ${a.shape.length}-D LoRA factors`,
      );
    }
    if (!sameShape(a.shape, expectedA)) {
      throw fail(
        `lora_A of ${modulePath} is ${shapeText(a.shape)}, but base weight ${shapeText(weight)} with r = ${r} needs ${shapeText(expectedA)}`,
      );
    }
    if (!sameShape(b.shape, expectedB)) {
      throw fail(
        `lora_B of ${modulePath} is ${shapeText(b.shape)}, but base weight ${shapeText(weight)} with r = ${r} needs ${shapeText(expectedB)}`,
      );
    }
  }
}
