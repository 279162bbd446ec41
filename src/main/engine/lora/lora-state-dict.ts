/**
 * Adapter-only weights: the LoRA factors and nothing else, never base weights.
 *
 * Names are PEFT's adapter-file names without the wrapper prefix: `<module>.lora_A.weight` and
 * `<module>.lora_B.weight` (`encoder.layer.0.attention.self.query.lora_A.weight`). PEFT's file
 * (adapter_model.safetensors) writes the same keys behind `base_model.model.`; toPeftKeys /
 * fromPeftKeys add and remove that prefix. PEFT's in-memory `.default` adapter segment is never
 * written by PEFT and never used here.
 *
 * Merged models: merge() adds B·A·alpha/r to the base weight and leaves A and B untouched (the
 * original base weight is kept aside). So the adapter of a merged model is read as is: the result
 * is bit-identical to unmerging first and saving, without changing the model, and it holds no
 * base weight, so reloading it can never count the update twice (the HCC-Merlin bug: a full state
 * dict saved while merged, reloaded into an unmerged wrapper, adds the update again). Loading
 * into a merged model is refused instead, because its folded-in weight would go stale.
 */
import { UserError } from '../../../shared/errors';
import { describeReport, type Module, type StateDictReport } from '../module';
import { tf, type Tensor, type Variable } from '../tf';
import { joinName, loraLayers } from './lora-modules';

export const PEFT_KEY_PREFIX = 'base_model.model.';

/** The LoRA factors by name, as new tensors the caller owns (dispose with disposeStateDict). */
export function loraStateDict(model: Module): Map<string, Tensor> {
  return new Map([...loraVariables(model)].map(([name, variable]) => [name, tf.clone(variable)]));
}

/**
 * Copy LoRA factors into the model's wrappers (keys with or without `base_model.model.`). Every
 * factor must be present with its shape and nothing else may be given; otherwise nothing loads.
 */
export function loadLoraStateDict(model: Module, values: ReadonlyMap<string, Tensor>): void {
  const merged = loraLayers(model).filter(([, layer]) => layer.merged);
  if (merged.length > 0) {
    throw new UserError(
      'INVALID_INPUT',
      `Unmerge the LoRA adapters before loading new ones (merged: ${merged.map(([name]) => name).join(', ')}).`,
    );
  }
  const targets = loraVariables(model);
  const given = fromPeftKeys(values);
  const report: StateDictReport = {
    missing: [...targets.keys()].filter((key) => !given.has(key)),
    unexpected: [...given.keys()].filter((key) => !targets.has(key)),
    shapeMismatch: [],
  };
  for (const [key, value] of given) {
    const target = targets.get(key);
    if (target && !sameShape(target.shape, value.shape)) {
      report.shapeMismatch.push({ key, expected: [...target.shape], found: [...value.shape] });
    }
  }
  if (report.missing.length + report.unexpected.length + report.shapeMismatch.length > 0) {
    throw new UserError(
      'INVALID_INPUT',
      `The adapter does not fit this model: ${describeReport(report)}. Nothing was loaded.`,
    );
  }
  for (const [key, value] of given) {
    const target = targets.get(key);
    if (!target) continue;
    const cast = value.dtype === 'float32' ? value : tf.cast(value, 'float32');
    target.assign(cast);
    if (cast !== value) cast.dispose();
  }
}

/** The same tensors under PEFT adapter-file keys (`base_model.model.` + name). */
export function toPeftKeys(values: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map([...values].map(([key, value]) => [`${PEFT_KEY_PREFIX}${key}`, value]));
}

/** The same tensors with PEFT's `base_model.model.` prefix removed where present. */
export function fromPeftKeys(values: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map(
    [...values].map(([key, value]) => [
      key.startsWith(PEFT_KEY_PREFIX) ? key.slice(PEFT_KEY_PREFIX.length) : key,
      value,
    ]),
  );
}

export function disposeStateDict(values: ReadonlyMap<string, Tensor>): void {
  for (const value of values.values()) value.dispose();
}

function loraVariables(model: Module): Map<string, Variable> {
  const variables = new Map<string, Variable>();
  for (const [name, layer] of loraLayers(model)) {
    for (const [key, variable] of layer.loraA.namedParameters(joinName(name, 'lora_A'))) variables.set(key, variable);
    for (const [key, variable] of layer.loraB.namedParameters(joinName(name, 'lora_B'))) variables.set(key, variable);
  }
  return variables;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
