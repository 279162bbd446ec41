/**
 * Checks an adapter must pass on its own, before any base model is involved: every tensor is a
 * LoRA factor under PEFT's key convention or a parameter listed in ctvlm.saved_parameters (none
 * inside an adapted layer), every adapted layer has both A and B, each layer's rank equals its
 * rank in the config (rank_pattern, else r: rankOf), Linear factors are 2-D and ConvLoRA factors
 * 5-D (with lora_B 1x1x1), and the config's conv_lora_modules list exactly the 5-D ones.
 */
import { UserError } from '../../../shared/errors';
import { rankOf, type AdapterConfig } from './adapter-config';
import type { AdapterTensor, LoraPair } from './adapter-types';
import { parseLoraKey, savedParameterKey } from './peft-keys';

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Group the tensors into LoRA pairs, refusing anything malformed. `where` names the adapter. */
export function loraPairs(
  config: AdapterConfig,
  tensors: ReadonlyMap<string, AdapterTensor>,
  where: string,
): LoraPair[] {
  const fail = (problem: string): UserError => new UserError('INVALID_INPUT', `Adapter ${where}: ${problem}.`);
  const parts = new Map<string, { a?: AdapterTensor; b?: AdapterTensor }>();
  const saved = new Set(savedParameters(config, tensors, where).keys());
  for (const [key, tensor] of tensors) {
    if (saved.has(key)) continue;
    const parsed = parseLoraKey(key);
    if (!parsed) {
      throw fail(
        `tensor "${key}" is not a LoRA weight (expected base_model.model.<module>.lora_A.weight or .lora_B.weight) nor listed in ctvlm.saved_parameters`,
      );
    }
    const count = tensor.shape.reduce((x, y) => x * y, 1);
    if (count !== tensor.data.length) {
      throw fail(`tensor "${key}" has shape ${shapeText(tensor.shape)} but ${tensor.data.length} values`);
    }
    const entry = parts.get(parsed.modulePath) ?? {};
    if (parsed.part === 'A') entry.a = tensor;
    else entry.b = tensor;
    parts.set(parsed.modulePath, entry);
  }
  const conv = new Set(config.ctvlm.conv_lora_modules);
  const pairs: LoraPair[] = [];
  for (const [modulePath, { a, b }] of parts) {
    if (!a || !b) throw fail(`layer ${modulePath} has lora_${a ? 'A' : 'B'} but no lora_${a ? 'B' : 'A'}`);
    const rank = a.shape.length;
    if ((rank !== 2 && rank !== 5) || b.shape.length !== rank) {
      throw fail(
        `layer ${modulePath} has lora_A ${shapeText(a.shape)} and lora_B ${shapeText(b.shape)}; expected 2-D (Linear) or 5-D (Conv3d) factors`,
      );
    }
    const r = rankOf(config, modulePath);
    if (a.shape[0] !== r || b.shape[1] !== r) {
      throw fail(
        `layer ${modulePath} has rank ${a.shape[0]} (lora_A ${shapeText(a.shape)}, lora_B ${shapeText(b.shape)}) but adapter_config.json says r = ${r}${r === config.r ? '' : ' (rank_pattern)'} for it`,
      );
    }
    if (rank === 5 && !b.shape.slice(2).every((k) => k === 1)) {
      throw fail(`layer ${modulePath} has lora_B ${shapeText(b.shape)}; ConvLoRA's lora_B must be 1x1x1`);
    }
    if ((rank === 5) !== conv.has(modulePath)) {
      throw fail(
        rank === 5
          ? `layer ${modulePath} has Conv3d factors but is not listed in ctvlm.conv_lora_modules`
          : `layer ${modulePath} is listed in ctvlm.conv_lora_modules but has Linear factors`,
      );
    }
    pairs.push({ modulePath, a, b });
  }
  for (const name of config.ctvlm.saved_parameters ?? []) {
    const owner = [...parts.keys()].find((modulePath) => name.startsWith(`${modulePath}.`));
    if (owner !== undefined) {
      throw fail(
        `ctvlm.saved_parameters lists ${name}, a parameter of layer ${owner}, which the adapter adapts with LoRA`,
      );
    }
  }
  const missing = [...conv].filter((modulePath) => !parts.has(modulePath));
  if (missing.length > 0) throw fail(`ctvlm.conv_lora_modules lists ${missing.join(', ')}, which have no tensors`);
  if (pairs.length === 0) throw fail('it holds no LoRA tensors');
  return pairs;
}

/**
 * The tensors of the parameters the adapter carries whole (ctvlm.saved_parameters), by PEFT key;
 * each listed parameter must have exactly one tensor with as many values as its shape says.
 */
export function savedParameters(
  config: AdapterConfig,
  tensors: ReadonlyMap<string, AdapterTensor>,
  where: string,
): Map<string, AdapterTensor> {
  const out = new Map<string, AdapterTensor>();
  for (const name of config.ctvlm.saved_parameters ?? []) {
    const key = savedParameterKey(name);
    const tensor = tensors.get(key);
    if (!tensor) {
      throw new UserError(
        'INVALID_INPUT',
        `Adapter ${where}: ctvlm.saved_parameters lists ${name}, but the weights file has no tensor "${key}".`,
      );
    }
    const count = tensor.shape.reduce((x, y) => x * y, 1);
    if (count !== tensor.data.length) {
      throw new UserError(
        'INVALID_INPUT',
        `Adapter ${where}: tensor "${key}" has shape ${shapeText(tensor.shape)} but ${tensor.data.length} values.`,
      );
    }
    out.set(key, tensor);
  }
  return out;
}
